/// Counts of values in equal-width bins.
///
/// Bin k covers [edges[k], edges[k + 1]); the last bin also includes its upper
/// edge (as numpy.histogram does). Values outside the range and NaN are not counted.
public struct Histogram: Equatable, Sendable {
    /// `bins + 1` increasing bin boundaries.
    public let edges: [Double]
    /// One count per bin.
    public let counts: [Int]

    /// Bins `values` into `bins` equal bins over `range`, or over the values'
    /// own finite range when `range` is nil (a constant sample gets a range of ±0.5 around it).
    public init(_ values: [Float], bins: Int = 40, range: ClosedRange<Double>? = nil) {
        precondition(bins >= 1, "A histogram needs at least 1 bin, got \(bins).")
        var lo = range?.lowerBound ?? .infinity, hi = range?.upperBound ?? -.infinity
        if range == nil {
            for v in values where v.isFinite {
                lo = min(lo, Double(v))
                hi = max(hi, Double(v))
            }
            if lo > hi { (lo, hi) = (0, 1) }
        }
        if hi <= lo { (lo, hi) = (lo - 0.5, hi + 0.5) }
        edges = (0...bins).map { lo + (hi - lo) * Double($0) / Double(bins) }
        var counts = [Int](repeating: 0, count: bins)
        let scale = Double(bins) / (hi - lo)
        for v in values where v.isFinite {
            let d = Double(v)
            guard d >= lo && d <= hi else { continue }
            counts[min(bins - 1, Int((d - lo) * scale))] += 1
        }
        self.counts = counts
    }

    /// Total number of values counted.
    public var total: Int { counts.reduce(0, +) }
}

/// One or more histograms drawn as overlaid, semi-transparent bars on shared
/// axes (e.g. weights at epoch 0 and now), with a legend.
public struct HistogramChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var histograms: [(name: String, histogram: Histogram, color: Color?)]
    /// Logarithmic count axis (empty bins are then left out).
    public var logY: Bool
    public var width: Int
    public var height: Int
    public var textScale: Int

    public init(title: String = "", xLabel: String = "", yLabel: String = "count",
                histograms: [(name: String, histogram: Histogram, color: Color?)] = [], logY: Bool = false,
                width: Int = 800, height: Int = 500, textScale: Int = 2) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.histograms = histograms
        self.logY = logY
        self.width = width
        self.height = height
        self.textScale = textScale
    }

    /// Histograms of several samples over one shared range and bin width, so their bars line up.
    public init(title: String = "", xLabel: String = "", samples: [(name: String, values: [Float])], bins: Int = 40) {
        let all = samples.flatMap(\.values)
        let range = ColorMap.range(of: all)
        let shared = range.upperBound > range.lowerBound ? Double(range.lowerBound)...Double(range.upperBound) : nil
        self.init(title: title, xLabel: xLabel,
                  histograms: samples.map { (name: $0.name, histogram: Histogram($0.values, bins: bins, range: shared), color: nil) })
    }

    /// The chart as an RGB image of `width` × `height` on white.
    public func render() -> Image {
        let all = histograms.map(\.histogram)
        let xs: [Double] = all.flatMap { [$0.edges[0], $0.edges[$0.edges.count - 1]] }
        let ys: [Double] = all.flatMap { $0.counts.map { Double($0) } } + (logY ? [] : [0])
        let xAxis = ChartAxis(values: xs, logarithmic: false, padding: 0.02)
        var yAxis = ChartAxis(values: ys, logarithmic: logY, padding: 0.05)
        if !logY && yAxis.lower < 0 { // bars stand on zero
            yAxis = ChartAxis(values: ys, logarithmic: false, padding: 0, fixed: 0...(yAxis.upper))
        }
        let frame = ChartFrame(width: width, height: height, x: xAxis, y: yAxis, title: title,
                               xLabel: xLabel, yLabel: yLabel, textScale: textScale)
        var canvas = Canvas(width: width, height: height, background: .white)
        frame.drawGrid(on: &canvas)
        var data = canvas
        let alpha: Float = histograms.count > 1 ? 0.45 : 0.8
        let baseline = logY ? Double(frame.plotTop + frame.plotHeight) : frame.py(0)
        var colors: [Color] = []
        for (index, entry) in histograms.enumerated() {
            let color = entry.color ?? Color.tab10[index % Color.tab10.count]
            colors.append(color)
            let edges = entry.histogram.edges
            for (k, count) in entry.histogram.counts.enumerated() where count > 0 {
                let x0 = Int(frame.px(edges[k]).rounded()), x1 = Int(frame.px(edges[k + 1]).rounded())
                let top = Int(frame.py(Double(count)).rounded())
                let bottom = Int(baseline.rounded())
                data.fillRect(x: x0, y: top, width: max(1, x1 - x0), height: bottom - top, color: color, alpha: alpha)
                data.fillRect(x: x0, y: top, width: max(1, x1 - x0), height: 1, color: color) // crisp top edge
            }
        }
        frame.keepPlotArea(of: data, on: &canvas)
        frame.drawAxes(on: &canvas, title: title, xLabel: xLabel, yLabel: yLabel)
        if histograms.count > 1 {
            let entries = zip(histograms, colors).map { ($0.0.name, $0.1) }
            let tops = histograms.flatMap { entry in
                entry.histogram.counts.indices.map { k in
                    Point(frame.px((entry.histogram.edges[k] + entry.histogram.edges[k + 1]) / 2), frame.py(Double(entry.histogram.counts[k])))
                }
            }
            Legend(entries: entries, textScale: textScale, filled: true).draw(on: &canvas, frame: frame, avoiding: tops)
        }
        return canvas.image
    }
}

/// A line chart of one or more series, rendered to an image with axes, nice
/// ticks, gridlines, axis labels, a title and a legend: loss, accuracy or PSNR
/// over epochs, readable without any other tool.
///
/// Non-finite y values (and y ≤ 0 on a log axis) leave a gap in their line.
/// Series with at most `markerLimit` points also get a dot at each point, so a
/// single point is visible.
public struct LineChart: Sendable {
    /// One named line.
    public struct Series: Sendable {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        /// nil: the next colour of `Color.tab10`.
        public var color: Color?

        public init(name: String, x: [Double], y: [Double], color: Color? = nil) {
            precondition(x.count == y.count, "Series '\(name)' has \(x.count) x values but \(y.count) y values.")
            self.name = name
            self.x = x
            self.y = y
            self.color = color
        }

        /// A series over x = 0, 1, 2, … (e.g. epochs).
        public init(name: String, y: [Double], color: Color? = nil) {
            self.init(name: name, x: y.indices.map(Double.init), y: y, color: color)
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Logarithmic y axis (for losses spanning decades).
    public var logY: Bool
    /// A fixed y range (e.g. 0...1 for accuracy); nil fits the data with a 5% margin.
    public var yRange: ClosedRange<Double>?
    public var width: Int
    public var height: Int
    /// Integer scale of all text (2: 14-pixel capitals, readable at 800 × 500).
    public var textScale: Int
    public var lineWidth: Double
    public var markerLimit: Int

    public init(title: String = "", xLabel: String = "", yLabel: String = "", series: [Series] = [],
                logY: Bool = false, yRange: ClosedRange<Double>? = nil, width: Int = 800, height: Int = 500,
                textScale: Int = 2, lineWidth: Double = 2, markerLimit: Int = 30) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
        self.yRange = yRange
        self.width = width
        self.height = height
        self.textScale = textScale
        self.lineWidth = lineWidth
        self.markerLimit = markerLimit
    }

    /// The chart as an RGB image of `width` × `height` on white.
    public func render() -> Image {
        let allX = series.flatMap(\.x), allY = series.flatMap(\.y)
        let xAxis = ChartAxis(values: allX, logarithmic: false, padding: 0.02) // room for the end markers
        let yAxis = ChartAxis(values: allY, logarithmic: logY, padding: 0.05, fixed: yRange)
        let frame = ChartFrame(width: width, height: height, x: xAxis, y: yAxis, title: title,
                               xLabel: xLabel, yLabel: yLabel, textScale: textScale)
        var canvas = Canvas(width: width, height: height, background: .white)
        frame.drawGrid(on: &canvas)

        // Lines are drawn on a copy, and only its plot area is kept: a line that
        // leaves a fixed y range is cut at the frame.
        var data = canvas
        var plotted: [Point] = []
        for (index, line) in series.enumerated() {
            let color = line.color ?? Color.tab10[index % Color.tab10.count]
            let points = zip(line.x, line.y).map { x, y -> Point in
                let usable = x.isFinite && y.isFinite && (!logY || y > 0)
                return usable ? Point(frame.px(x), frame.py(y)) : Point(.nan, .nan)
            }
            plotted += points
            data.drawPolyline(points, color: color, width: lineWidth)
            if line.x.count <= markerLimit {
                for p in points where p.x.isFinite {
                    data.fillCircle(center: p, radius: lineWidth + 1.5, color: color)
                }
            }
        }
        frame.keepPlotArea(of: data, on: &canvas)
        frame.drawAxes(on: &canvas, title: title, xLabel: xLabel, yLabel: yLabel)
        let entries = series.enumerated().map { ($0.element.name, $0.element.color ?? Color.tab10[$0.offset % Color.tab10.count]) }
        Legend(entries: entries, textScale: textScale).draw(on: &canvas, frame: frame, avoiding: plotted)
        return canvas.image
    }
}

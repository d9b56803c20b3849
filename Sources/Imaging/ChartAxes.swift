import Foundation

/// Tick positions and labels for chart axes.
public enum Ticks {
    /// "Nice" tick values (1, 2 or 5 × 10^k apart) inside `lower...upper`,
    /// about `target` of them and at least 3 when the range allows (Heckbert's
    /// labelling). An empty range gives one tick.
    public static func linear(_ lower: Double, _ upper: Double, target: Int = 6) -> [Double] {
        guard lower.isFinite, upper.isFinite else { return [] }
        guard upper > lower else { return [lower] }
        var step = niceStep((upper - lower) / Double(max(target - 1, 1)))
        var ticks = inside(lower, upper, step: step)
        while ticks.count < 3 && step > (upper - lower) * 1e-6 {
            step = niceStep(step * 0.45) // the next nice number down: 5 → 2, 2 → 1, 1 → 0.5
            ticks = inside(lower, upper, step: step)
        }
        return ticks
    }

    private static func inside(_ lower: Double, _ upper: Double, step: Double) -> [Double] {
        let first = (lower / step - 1e-9).rounded(.up), last = (upper / step + 1e-9).rounded(.down)
        guard last >= first else { return [] }
        return stride(from: first, through: last, by: 1).map { k -> Double in
            let v = k * step
            return abs(v) < step * 1e-9 ? 0 : v // no "-0"
        }
    }

    /// The nice number (1, 2, 5 × 10^k) nearest to `rough` (thresholds 1.5, 3, 7 as in Heckbert's "Nice numbers for graph labels").
    public static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let fraction = rough / magnitude
        let nice: Double = fraction < 1.5 ? 1 : (fraction < 3 ? 2 : (fraction < 7 ? 5 : 10))
        return nice * magnitude
    }

    /// Ticks for a logarithmic axis over `lower...upper` (both > 0): the powers
    /// of ten inside; with fewer than three of them, also 2× and 5× each power.
    public static func logarithmic(_ lower: Double, _ upper: Double) -> [Double] {
        guard lower > 0, upper >= lower, lower.isFinite, upper.isFinite else { return [] }
        let e0 = Int(log10(lower).rounded(.down)), e1 = Int(log10(upper).rounded(.up))
        let decades = (e0...e1).map { pow(10, Double($0)) }
        let inside = { (v: Double) in v >= lower * (1 - 1e-9) && v <= upper * (1 + 1e-9) }
        let powers = decades.filter(inside)
        if powers.count >= 3 { return powers }
        return decades.flatMap { [$0, 2 * $0, 5 * $0] }.filter(inside)
    }

    /// A short label for tick `value` on an axis whose ticks are `step` apart:
    /// as many decimals as the step needs ("0.25", "100"), scientific ("1e-05",
    /// "2.5e+06") for very small or large magnitudes.
    public static func label(_ value: Double, step: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e6 || magnitude < 1e-4 || (step > 0 && step < 1e-4) {
            var text = String(format: "%.3g", value)
            if let e = text.firstIndex(of: "e") { // 1.00e-05 → 1e-05
                var mantissa = String(text[..<e])
                if mantissa.contains(".") {
                    while mantissa.hasSuffix("0") { mantissa.removeLast() }
                    if mantissa.hasSuffix(".") { mantissa.removeLast() }
                }
                text = mantissa + text[e...]
            }
            return text
        }
        // The fewest decimals that write the step exactly (0.2 → 1, 0.25 → 2, 0.125 → 3), at most 2 beyond its magnitude.
        let base = step > 0 ? max(0, Int((-log10(step) - 1e-9).rounded(.up))) : 2
        var decimals = base
        while decimals < base + 2 {
            let scaled = step * pow(10, Double(decimals))
            if abs(scaled - scaled.rounded()) <= 1e-6 * max(1, scaled) { break }
            decimals += 1
        }
        return String(format: "%.\(min(decimals, 10))f", value)
    }
}

/// One axis of a chart: its data range, scale and ticks.
struct ChartAxis {
    var lower: Double
    var upper: Double
    var logarithmic: Bool
    var ticks: [Double]
    var step: Double

    /// Fits `values` (non-finite ignored; non-positive ignored on a log axis),
    /// widened by `padding` × the span on each side, or `fixed` when given.
    init(values: [Double], logarithmic: Bool, padding: Double, fixed: ClosedRange<Double>? = nil, target: Int = 6) {
        self.logarithmic = logarithmic
        let usable = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
        var lo = fixed?.lowerBound ?? usable.min() ?? (logarithmic ? 1 : 0)
        var hi = fixed?.upperBound ?? usable.max() ?? (logarithmic ? 10 : 1)
        if logarithmic {
            lo = max(lo, Double.leastNormalMagnitude)
            hi = max(hi, lo)
            var (l0, l1) = (log10(lo), log10(hi))
            if l1 - l0 < 1e-9 { (l0, l1) = (l0 - 0.5, l1 + 0.5) }
            if fixed == nil { (l0, l1) = (l0 - padding * (l1 - l0), l1 + padding * (l1 - l0)) }
            (lower, upper) = (pow(10, l0), pow(10, l1))
            ticks = Ticks.logarithmic(lower, upper)
            step = 0
        } else {
            if hi - lo <= abs(hi) * 1e-9 || hi - lo == 0 {
                let half = lo == 0 ? 1 : abs(lo) * 0.1
                (lo, hi) = (lo - half, hi + half)
            }
            if fixed == nil { (lo, hi) = (lo - padding * (hi - lo), hi + padding * (hi - lo)) }
            (lower, upper) = (lo, hi)
            ticks = Ticks.linear(lo, hi, target: target)
            step = ticks.count > 1 ? ticks[1] - ticks[0] : Ticks.niceStep((hi - lo) / 5)
        }
    }

    /// Position of `value` along the axis as a fraction 0 (lower) … 1 (upper).
    func fraction(_ value: Double) -> Double {
        if logarithmic {
            guard value > 0 else { return -.infinity }
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return (value - lower) / (upper - lower)
    }

    func label(_ value: Double) -> String {
        logarithmic ? Ticks.label(value, step: value) : Ticks.label(value, step: step)
    }
}

/// The frame shared by line charts and histograms: margins sized to the text,
/// gridlines, ticks, tick labels, axis labels and title.
struct ChartFrame {
    let width: Int
    let height: Int
    let x: ChartAxis
    let y: ChartAxis
    let textScale: Int
    /// The plot area in pixels: data are drawn inside it.
    let plotLeft: Int, plotTop: Int, plotWidth: Int, plotHeight: Int

    static let axisColor = Color(gray: 0.15)
    static let gridColor = Color(gray: 0.88)

    init(width: Int, height: Int, x: ChartAxis, y: ChartAxis, title: String, xLabel: String, yLabel: String, textScale: Int) {
        self.width = width
        self.height = height
        self.x = x
        self.y = y
        self.textScale = textScale
        let s = textScale, pad = 6 * s, tick = 3 * s
        let tickLabelWidth = y.ticks.map { Canvas.textBox(y.label($0), scale: s).width }.max() ?? 0
        let lineHeight = Canvas.textBox("0", scale: s).height
        let left = pad + (yLabel.isEmpty ? 0 : lineHeight + pad) + tickLabelWidth + tick + 2 * s
        let top = pad + (title.isEmpty ? 0 : lineHeight + pad)
        let bottom = tick + 2 * s + lineHeight + pad + (xLabel.isEmpty ? 0 : lineHeight + pad)
        // Room on the right for half of the last x tick label.
        let lastLabel = x.ticks.last.map { Canvas.textBox(x.label($0), scale: s).width / 2 } ?? 0
        let right = max(pad * 2, lastLabel + pad)
        plotLeft = left
        plotTop = top
        plotWidth = max(10, width - left - right)
        plotHeight = max(10, height - top - bottom)
    }

    /// Pixel x of data value `v` (pixel-centre coordinates, continuous).
    func px(_ v: Double) -> Double { Double(plotLeft) + x.fraction(v) * Double(plotWidth) }
    /// Pixel y of data value `v`; larger values are higher up.
    func py(_ v: Double) -> Double { Double(plotTop + plotHeight) - y.fraction(v) * Double(plotHeight) }

    /// Copies the plot area of `drawn` onto `canvas` (clipping data to the frame).
    func keepPlotArea(of drawn: Canvas, on canvas: inout Canvas) {
        canvas.blit(drawn.image.cropped(x: plotLeft, y: plotTop, width: plotWidth, height: plotHeight), x: plotLeft, y: plotTop)
    }

    /// Gridlines, behind the data.
    func drawGrid(on canvas: inout Canvas) {
        for t in x.ticks {
            let col = Int(px(t).rounded(.down))
            if col > plotLeft && col < plotLeft + plotWidth - 1 {
                canvas.fillRect(x: col, y: plotTop, width: 1, height: plotHeight, color: ChartFrame.gridColor)
            }
        }
        for t in y.ticks {
            let row = Int(py(t).rounded(.down))
            if row > plotTop && row < plotTop + plotHeight - 1 {
                canvas.fillRect(x: plotLeft, y: row, width: plotWidth, height: 1, color: ChartFrame.gridColor)
            }
        }
    }

    /// Frame, ticks and all text, over the data.
    func drawAxes(on canvas: inout Canvas, title: String, xLabel: String, yLabel: String) {
        let s = textScale, tick = 3 * s, ink = ChartFrame.axisColor
        let bottom = plotTop + plotHeight
        canvas.strokeRect(x: plotLeft - 1, y: plotTop - 1, width: plotWidth + 2, height: plotHeight + 2, color: ink)
        for t in x.ticks {
            let col = Int(px(t).rounded(.down))
            guard col >= plotLeft - 1 && col <= plotLeft + plotWidth else { continue }
            canvas.fillRect(x: col, y: bottom + 1, width: 1, height: tick, color: ink)
            canvas.drawText(x.label(t), x: col, y: bottom + 1 + tick + 2 * s, color: ink, scale: s, anchor: .top)
        }
        for t in y.ticks {
            let row = Int(py(t).rounded(.down))
            guard row >= plotTop - 1 && row <= bottom else { continue }
            canvas.fillRect(x: plotLeft - 1 - tick, y: row, width: tick, height: 1, color: ink)
            canvas.drawText(y.label(t), x: plotLeft - 1 - tick - 2 * s, y: row, color: ink, scale: s, anchor: .right)
        }
        let pad = 6 * s
        if !title.isEmpty {
            canvas.drawText(title, x: plotLeft + plotWidth / 2, y: pad, color: .black, scale: s, anchor: .top)
        }
        if !xLabel.isEmpty {
            canvas.drawText(xLabel, x: plotLeft + plotWidth / 2, y: height - pad, color: ink, scale: s, anchor: .bottom)
        }
        if !yLabel.isEmpty {
            canvas.drawText(yLabel, x: pad, y: plotTop + plotHeight / 2, color: ink, scale: s,
                            anchor: TextAnchor(horizontal: 0, vertical: 0.5), rotated: true)
        }
    }
}

import Foundation
import Imaging

/// What every replay frame has in common: margins, a header with the run's name, the epoch
/// and its state, titled panels, and metric charts whose axes are those of the whole run.
enum FrameStyle {
    /// `curves` side by side across the frame's width at `top`, each drawn up to snapshot `index`.
    static func drawCharts(_ curves: [MetricCurves], run: ReplayRun, upTo index: Int, on canvas: inout Canvas, top: Int) {
        guard !curves.isEmpty else { return }
        let chartWidth = (canvas.width - 2 * margin - (curves.count - 1) * gap) / curves.count
        for (k, chart) in curves.enumerated() {
            let image = chart.render(run: run, upTo: index, width: chartWidth, height: chartHeight)
            canvas.blit(image, x: margin + k * (chartWidth + gap), y: top)
        }
    }

    /// Space around the frame and between panels.
    static let margin = 24
    static let gap = 20
    /// Text scale of titles and labels (the bitmap font at 2: 14-pixel capitals).
    static let textScale = 2
    static let ink = Color(gray: 0.12)
    static let muted = Color(gray: 0.4)
    static let warning = Color(hex: 0xB35900)
    static let chartHeight = 300
    static let legendHeight = 26

    /// Height of the header drawn by `drawHeader`.
    static var headerHeight: Int { margin + 21 + 10 + 14 + 8 }

    /// The run's name (left) and the epoch (right) at scale 3, then a line of details, with the
    /// state badge in orange in front of it when the run did not complete.
    static func drawHeader(on canvas: inout Canvas, run: ReplayRun, epoch: Int, details: String) {
        let top = margin
        canvas.drawText(run.name, x: margin, y: top, color: ink, scale: 3)
        canvas.drawText(run.epochLabel(epoch), x: canvas.width - margin, y: top, color: ink, scale: 3, anchor: .topRight)
        var x = margin
        let second = top + 21 + 10
        if let badge = run.stateBadge {
            let box = canvas.drawText(badge, x: x, y: second, color: warning, scale: textScale)
            x += box.width + 16
        }
        canvas.drawText(fitted(details, width: canvas.width - margin - x), x: x, y: second, color: muted, scale: textScale)
    }

    /// `image` with `title` above it (scale 2), on white.
    static func titled(_ image: Image, _ title: String) -> Image {
        let box = Canvas.textBox(title, scale: textScale)
        var canvas = Canvas(width: max(image.width, box.width), height: box.height + 10 + image.height, background: .white)
        canvas.drawText(title, x: 0, y: 0, color: ink, scale: textScale)
        canvas.blit(image.rgb(), x: 0, y: box.height + 10)
        return canvas.image
    }

    /// `text` shortened with "…" until it fits in `width` pixels at scale 2.
    static func fitted(_ text: String, width: Int, scale: Int = textScale) -> String {
        guard Canvas.textBox(text, scale: scale).width > width else { return text }
        var shown = text
        while !shown.isEmpty && Canvas.textBox(shown + "…", scale: scale).width > width { shown.removeLast() }
        return shown + "…"
    }

    /// A grey box with a sentence in it, standing in for a snapshot file that is missing.
    static func placeholder(width: Int, height: Int, text: String) -> Image {
        var canvas = Canvas(width: max(width, 1), height: max(height, 1), background: Color(gray: 0.93))
        canvas.drawText(fitted(text, width: width - 16), x: width / 2, y: height / 2, color: muted, scale: textScale, anchor: .center)
        return canvas.image
    }

    /// Nearest-neighbour integer upscaling so the longer side reaches about `side` pixels, or
    /// area downscaling when it is already over `1.25 × side`.
    static func displayed(_ image: Image, side: Int) -> Image {
        let longer = max(image.width, image.height)
        guard longer > 0 else { return image }
        if longer > side * 5 / 4 {
            let factor = Double(side) / Double(longer)
            return image.resized(width: max(1, Int(Double(image.width) * factor)), height: max(1, Int(Double(image.height) * factor)), filter: .area)
        }
        return image.upscaled(by: max(1, side / longer))
    }
}

/// One chart of a frame: some metrics over epochs, drawn up to the frame's epoch on the axes
/// of the whole run, with a legend underneath that shows the values at that epoch.
struct MetricCurves {
    struct Line {
        var column: String
        var label: String
        var color: Color
        /// How the value at the current epoch is printed in the legend.
        var format: String = "%.3f"
    }

    var title: String
    var yLabel: String
    var lines: [Line]
    /// A fixed y range (accuracies 0…1); nil fits every value of the run with a 5% margin.
    var yRange: ClosedRange<Double>?

    /// The lines whose column the run has.
    func available(in run: ReplayRun) -> [Line] { lines.filter { run.hasMetric($0.column) } }

    /// The y range over the whole run, so it stays put from frame to frame.
    func fullRange(in run: ReplayRun) -> ClosedRange<Double> {
        if let yRange { return yRange }
        let values = available(in: run).flatMap { run.series($0.column) }.filter(\.isFinite)
        guard var lo = values.min(), var hi = values.max() else { return 0...1 }
        if hi - lo < max(abs(hi), 1) * 1e-6 { (lo, hi) = (lo - max(abs(lo) * 0.1, 0.5), hi + max(abs(hi) * 0.1, 0.5)) }
        let pad = 0.05 * (hi - lo)
        return (lo - pad)...(hi + pad)
    }

    /// The chart at snapshot `index` (values after it left out), `width` × `height` pixels in all.
    func render(run: ReplayRun, upTo index: Int, width: Int, height: Int) -> Image {
        let lines = available(in: run)
        let xs = run.epochs.map(Double.init)
        var series = lines.map { line -> LineChart.Series in
            let values = run.series(line.column).enumerated().map { $0.offset <= index ? $0.element : .nan }
            // An empty name keeps LineChart's own legend out: it moves between corners as the
            // lines grow, so the legend is drawn underneath instead.
            return LineChart.Series(name: "", x: xs, y: values, color: line.color)
        }
        // A point without a value at the planned last epoch pins the x axis to the whole run.
        series.append(LineChart.Series(name: "", x: [0, Double(run.lastAxisEpoch)], y: [.nan, .nan], color: .white))
        let chart = LineChart(title: title, xLabel: "epoch", yLabel: yLabel, series: series, yRange: fullRange(in: run),
                              width: width, height: height - FrameStyle.legendHeight, textScale: FrameStyle.textScale,
                              lineWidth: 2.5, markerLimit: 40)
        var canvas = Canvas(width: width, height: height, background: .white)
        canvas.blit(chart.render(), x: 0, y: 0)
        if lines.isEmpty {
            canvas.drawText("no data in metrics.csv", x: width / 2, y: (height - FrameStyle.legendHeight) / 2,
                            color: FrameStyle.muted, scale: FrameStyle.textScale, anchor: .center)
        }
        // Legend: a swatch and "label value" per line, centred under the plot.
        let entries = lines.map { line -> (String, Color) in
            let value = run.series(line.column)[min(index, run.epochs.count - 1)]
            return ("\(line.label) \(value.isFinite ? String(format: line.format, value) : "-")", line.color)
        }
        let swatch = 20, spacing = 24
        let widths = entries.map { swatch + 8 + Canvas.textBox($0.0, scale: FrameStyle.textScale).width }
        var x = max(0, (width - widths.reduce(0, +) - spacing * max(0, entries.count - 1)) / 2)
        let middle = height - FrameStyle.legendHeight / 2 - 2
        for (entry, entryWidth) in zip(entries, widths) {
            canvas.fillRect(x: x, y: middle - 2, width: swatch, height: 4, color: entry.1)
            canvas.drawText(entry.0, x: x + swatch + 8, y: middle, color: FrameStyle.ink, scale: FrameStyle.textScale, anchor: .left)
            x += entryWidth + spacing
        }
        return canvas.image
    }
}

/// The width and height of a PNG from its header, without decoding it (nil when the file is
/// missing or not a PNG).
func pngSize(_ url: URL) -> (width: Int, height: Int)? {
    guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
    defer { try? handle.close() }
    guard let data = try? handle.read(upToCount: 24), data.count == 24,
          data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { return nil }
    let bytes = [UInt8](data)
    func be32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
    return (be32(16), be32(20))
}

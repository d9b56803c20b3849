/// A field of values shown through a colour map, with a title and its colour
/// scale beside it: error maps (|target − render|), correlation matrices.
public struct Heatmap: Sendable {
    public var values: [Float] // [rows, columns]
    public var rows: Int
    public var columns: Int
    public var map: ColorMap
    /// nil: the values' own range, made symmetric around 0 for the diverging
    /// map and starting at 0 when no value is negative (errors, magnitudes).
    public var range: ClosedRange<Float>?
    public var title: String
    /// The colour scale's label (the quantity and unit).
    public var label: String
    /// Each value becomes a block of this many pixels a side; nil picks one
    /// that makes the longer side about 320 pixels (at most 16, at least 1).
    public var pixelScale: Int?
    public var textScale: Int

    public init(values: [Float], rows: Int, columns: Int, map: ColorMap = .inferno, range: ClosedRange<Float>? = nil,
                title: String = "", label: String = "", pixelScale: Int? = nil, textScale: Int = 2) {
        precondition(values.count == rows * columns, "A \(rows)×\(columns) heat map needs \(rows * columns) values, got \(values.count).")
        self.values = values
        self.rows = rows
        self.columns = columns
        self.map = map
        self.range = range
        self.title = title
        self.label = label
        self.pixelScale = pixelScale
        self.textScale = textScale
    }

    /// The range actually used (see `range`).
    public var effectiveRange: ClosedRange<Float> {
        if let range { return range }
        let own = ColorMap.range(of: values, symmetric: map == .diverging)
        return own.lowerBound >= 0 ? 0...own.upperBound : own
    }

    public func render() -> Image {
        let s = textScale, pad = 8 * s
        let scale = pixelScale ?? max(1, min(16, 320 / max(rows, columns, 1)))
        let field = map.image(values, width: columns, height: rows, range: effectiveRange).upscaled(by: scale)
        let bar = ColorBar(map: map, range: effectiveRange, label: label, textScale: s)
        let barLength = max(field.height, 60 * s)
        let barSize = bar.size(length: barLength, thickness: 8 * s)
        let titleHeight = title.isEmpty ? 0 : Canvas.textBox(title, scale: s).height + pad
        let titleWidth = Canvas.textBox(title, scale: s).width
        let width = max(pad + field.width + pad + barSize.width + pad, titleWidth + 2 * pad)
        let height = pad + titleHeight + max(field.height, barSize.height) + pad
        var canvas = Canvas(width: width, height: height, background: .white)
        if !title.isEmpty { canvas.drawText(title, x: width / 2, y: pad, scale: s, anchor: .top) }
        let top = pad + titleHeight
        let barTop = top + Canvas.textBox("0", scale: s).height / 2 + 1 // where `draw` starts the gradient
        canvas.blit(field, x: pad, y: barTop + (barLength - field.height) / 2)
        bar.draw(on: &canvas, x: pad + field.width + pad, y: top, length: barLength, thickness: 8 * s)
        return canvas.image
    }
}

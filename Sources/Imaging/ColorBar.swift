/// A colour scale: the map as a gradient bar beside labelled tick values
/// (lower, middle and upper end of the range unless told otherwise), so that a
/// reader can turn a colour back into a number.
public struct ColorBar: Sendable {
    public var map: ColorMap
    public var range: ClosedRange<Float>
    /// Drawn along the bar (rotated beside a vertical bar, under a horizontal one); empty for none.
    public var label: String
    /// Values to mark; nil marks the lower end, the middle and the upper end.
    public var ticks: [Float]?
    public var textScale: Int

    public init(map: ColorMap, range: ClosedRange<Float>, label: String = "", ticks: [Float]? = nil, textScale: Int = 2) {
        self.map = map
        self.range = range
        self.label = label
        self.ticks = ticks
        self.textScale = textScale
    }

    private var tickValues: [Float] {
        ticks ?? [range.lowerBound, (range.lowerBound + range.upperBound) / 2, range.upperBound]
    }

    private func tickLabels() -> [String] {
        let values = tickValues
        let spacing = zip(values, values.dropFirst()).map { Double(abs($1 - $0)) }.filter { $0 > 0 }.min() ?? 1
        return values.map { Ticks.label(Double($0), step: spacing) }
    }

    /// Pixel size `draw(on:x:y:length:thickness:vertical:)` will cover.
    public func size(length: Int, thickness: Int = 16, vertical: Bool = true) -> (width: Int, height: Int) {
        let s = textScale, labels = tickLabels()
        let labelHeight = Canvas.textBox("0", scale: s).height
        if vertical {
            let widest = labels.map { Canvas.textBox($0, scale: s).width }.max() ?? 0
            let side = label.isEmpty ? 0 : 3 * s + labelHeight
            // Half a label sticks out above and below, at the end ticks.
            return (thickness + 3 * s + 2 * s + widest + side, length + labelHeight + 2)
        }
        let firstLast = [labels.first, labels.last].compactMap { $0 }.map { Canvas.textBox($0, scale: s).width }
        let overhang = firstLast.max() ?? 0
        let below = 3 * s + 2 * s + labelHeight + (label.isEmpty ? 0 : 3 * s + labelHeight + 2 * s)
        return (length + overhang, thickness + below)
    }

    /// Draws the bar with its top-left corner of the whole scale at (x, y):
    /// vertical bars run from the upper value at the top to the lower at the
    /// bottom, with labels to the right; horizontal bars run left to right, labels below.
    public func draw(on canvas: inout Canvas, x: Int, y: Int, length: Int, thickness: Int = 16, vertical: Bool = true) {
        let s = textScale, ink = ChartFrame.axisColor, tick = 3 * s
        let labels = tickLabels()
        let labelHeight = Canvas.textBox("0", scale: s).height
        let lo = range.lowerBound, hi = range.upperBound
        func fraction(_ v: Float) -> Double { hi > lo ? Double((v - lo) / (hi - lo)) : 0.5 }
        if vertical {
            let top = y + labelHeight / 2 + 1
            for row in 0..<length {
                let t = length > 1 ? 1 - Float(row) / Float(length - 1) : 0.5
                canvas.fillRect(x: x, y: top + row, width: thickness, height: 1, color: map.color(at: t))
            }
            canvas.strokeRect(x: x - 1, y: top - 1, width: thickness + 2, height: length + 2, color: ink)
            var widest = 0
            for (value, text) in zip(tickValues, labels) {
                let row = top + Int(((1 - fraction(value)) * Double(length - 1)).rounded())
                canvas.fillRect(x: x + thickness + 1, y: row, width: tick, height: 1, color: ink)
                let box = canvas.drawText(text, x: x + thickness + 1 + tick + 2 * s, y: row, color: ink, scale: s, anchor: .left)
                widest = max(widest, box.width)
            }
            if !label.isEmpty {
                canvas.drawText(label, x: x + thickness + 1 + tick + 2 * s + widest + 3 * s, y: top + length / 2,
                                color: ink, scale: s, anchor: .left, rotated: true)
            }
        } else {
            let left = x + (size(length: length, thickness: thickness, vertical: false).width - length) / 2
            for col in 0..<length {
                let t = length > 1 ? Float(col) / Float(length - 1) : 0.5
                canvas.fillRect(x: left + col, y: y, width: 1, height: thickness, color: map.color(at: t))
            }
            canvas.strokeRect(x: left - 1, y: y - 1, width: length + 2, height: thickness + 2, color: ink)
            for (value, text) in zip(tickValues, labels) {
                let col = left + Int((fraction(value) * Double(length - 1)).rounded())
                canvas.fillRect(x: col, y: y + thickness + 1, width: 1, height: tick, color: ink)
                canvas.drawText(text, x: col, y: y + thickness + 1 + tick + 2 * s, color: ink, scale: s, anchor: .top)
            }
            if !label.isEmpty {
                canvas.drawText(label, x: left + length / 2, y: y + thickness + tick + 4 * s + labelHeight + 3 * s,
                                color: ink, scale: s, anchor: .top)
            }
        }
    }

    /// The scale alone as an image on `background`.
    public func render(length: Int, thickness: Int = 16, vertical: Bool = true, background: Color = .white) -> Image {
        let margin = 4 * textScale
        let size = self.size(length: length, thickness: thickness, vertical: vertical)
        var canvas = Canvas(width: size.width + 2 * margin, height: size.height + 2 * margin, background: background)
        draw(on: &canvas, x: margin, y: margin, length: length, thickness: thickness, vertical: vertical)
        return canvas.image
    }
}

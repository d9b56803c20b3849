/// A boxed legend placed in the inside corner of the plot that covers the fewest data points.
struct Legend {
    let entries: [(name: String, color: Color)]
    let textScale: Int
    /// Filled swatches (for bars) instead of line samples.
    var filled = false

    func draw(on canvas: inout Canvas, frame: ChartFrame, avoiding points: [Point]) {
        let named = entries.filter { !$0.name.isEmpty }
        guard !named.isEmpty else { return }
        let s = textScale, pad = 4 * s, swatch = 10 * s, gap = 4 * s
        let lineHeight = Canvas.textBox("0", scale: s).height
        let rowHeight = lineHeight + 3 * s
        let textWidth = named.map { Canvas.textBox($0.name, scale: s).width }.max()!
        let boxWidth = pad + swatch + gap + textWidth + pad
        let boxHeight = pad + named.count * rowHeight - 3 * s + pad
        let margin = 4 * s
        let corners = [
            (frame.plotLeft + frame.plotWidth - boxWidth - margin, frame.plotTop + margin), // upper right first, like matplotlib
            (frame.plotLeft + margin, frame.plotTop + margin),
            (frame.plotLeft + frame.plotWidth - boxWidth - margin, frame.plotTop + frame.plotHeight - boxHeight - margin),
            (frame.plotLeft + margin, frame.plotTop + frame.plotHeight - boxHeight - margin),
        ]
        // Count points and segment midpoints under each candidate box.
        var samples = points
        for (p, q) in zip(points, points.dropFirst()) where p.x.isFinite && q.x.isFinite {
            for k in 1..<4 { samples.append(Point(p.x + (q.x - p.x) * Double(k) / 4, p.y + (q.y - p.y) * Double(k) / 4)) }
        }
        let scores = corners.map { corner in
            samples.filter { $0.x >= Double(corner.0) && $0.x <= Double(corner.0 + boxWidth)
                && $0.y >= Double(corner.1) && $0.y <= Double(corner.1 + boxHeight) }.count
        }
        let best = corners[scores.indices.min { scores[$0] < scores[$1] }!]
        canvas.fillRect(x: best.0, y: best.1, width: boxWidth, height: boxHeight, color: .white, alpha: 0.85)
        canvas.strokeRect(x: best.0, y: best.1, width: boxWidth, height: boxHeight, color: Color(gray: 0.7))
        for (row, entry) in named.enumerated() {
            let top = best.1 + pad + row * rowHeight
            let middle = Double(top) + Double(lineHeight) / 2
            if filled {
                canvas.fillRect(x: best.0 + pad, y: top, width: swatch, height: lineHeight, color: entry.color, alpha: 0.6)
                canvas.strokeRect(x: best.0 + pad, y: top, width: swatch, height: lineHeight, color: entry.color)
            } else {
                canvas.drawLine(from: Point(Double(best.0 + pad), middle), to: Point(Double(best.0 + pad + swatch), middle),
                                color: entry.color, width: Double(max(2, s + 1)))
            }
            canvas.drawText(entry.name, x: best.0 + pad + swatch + gap, y: top, color: ChartFrame.axisColor, scale: s)
        }
    }
}

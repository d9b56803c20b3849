/// Where a text box sits relative to the point it is drawn at: `horizontal` and
/// `vertical` are fractions of the box (0 = left / top, 0.5 = centre, 1 = right / bottom).
///
/// The box is as tall as the capitals (7 rows per line at scale 1), so centring
/// a label on a tick mark centres its digits; descenders hang below the box.
public struct TextAnchor: Equatable, Sendable {
    public var horizontal: Double
    public var vertical: Double

    public init(horizontal: Double, vertical: Double) {
        self.horizontal = horizontal
        self.vertical = vertical
    }

    public static let topLeft = TextAnchor(horizontal: 0, vertical: 0)
    public static let top = TextAnchor(horizontal: 0.5, vertical: 0)
    public static let topRight = TextAnchor(horizontal: 1, vertical: 0)
    public static let left = TextAnchor(horizontal: 0, vertical: 0.5)
    public static let center = TextAnchor(horizontal: 0.5, vertical: 0.5)
    public static let right = TextAnchor(horizontal: 1, vertical: 0.5)
    public static let bottomLeft = TextAnchor(horizontal: 0, vertical: 1)
    public static let bottom = TextAnchor(horizontal: 0.5, vertical: 1)
    public static let bottomRight = TextAnchor(horizontal: 1, vertical: 1)
}

extension Canvas {
    /// Size of the anchoring box of `text` at `scale`: full width, cap height of
    /// the lines (descenders excluded). Rotated text swaps the two.
    public static func textBox(_ text: String, scale: Int = 1, rotated: Bool = false) -> (width: Int, height: Int) {
        let size = BitmapFont.size(of: text, scale: scale)
        let capHeight = size.height == 0 ? 0 : size.height - (BitmapFont.glyphHeight - 7) * scale
        return rotated ? (capHeight, size.width) : (size.width, capHeight)
    }

    /// Draws `text` in the built-in 5×8 bitmap font, each font pixel a
    /// `scale` × `scale` block, with its anchoring box placed so that the
    /// `anchor` point of the box lands on (x, y). Lines split at "\n".
    /// `rotated` turns the text 90° counter-clockwise (reading bottom to top,
    /// as on a y-axis label). Returns the box actually covered.
    @discardableResult
    public mutating func drawText(_ text: String, x: Int, y: Int, color: Color = .black, scale: Int = 1,
                                  anchor: TextAnchor = .topLeft, rotated: Bool = false)
        -> (x: Int, y: Int, width: Int, height: Int) {
        let s = max(1, scale)
        let box = Canvas.textBox(text, scale: s, rotated: rotated)
        let left = x - Int((Double(box.width) * anchor.horizontal).rounded())
        let top = y - Int((Double(box.height) * anchor.vertical).rounded())
        let textWidth = BitmapFont.size(of: text, scale: s).width
        for (lineIndex, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for (charIndex, character) in line.enumerated() {
                let rows = BitmapFont.glyph(character)
                for (gy, bits) in rows.enumerated() where bits != 0 {
                    for gx in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(gx)) != 0 {
                        // Position of this font pixel in the unrotated text, in font pixels.
                        let u = charIndex * BitmapFont.advance + gx
                        let v = lineIndex * BitmapFont.lineHeight + gy
                        if rotated {
                            fillRect(x: left + v * s, y: top + textWidth - (u + 1) * s, width: s, height: s, color: color)
                        } else {
                            fillRect(x: left + u * s, y: top + v * s, width: s, height: s, color: color)
                        }
                    }
                }
            }
        }
        return (left, top, box.width, box.height)
    }
}

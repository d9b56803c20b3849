/// An RGB colour with components in [0, 1] (sRGB-encoded, as stored in a PNG).
public struct Color: Equatable, Hashable, Sendable {
    public var r: Float
    public var g: Float
    public var b: Float

    public init(r: Float, g: Float, b: Float) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// A gray with all three components equal to `level`.
    public init(gray level: Float) {
        self.init(r: level, g: level, b: level)
    }

    /// A colour from a 24-bit hexadecimal value, e.g. `Color(hex: 0x1F77B4)`.
    public init(hex: UInt32) {
        self.init(r: Float((hex >> 16) & 0xFF) / 255,
                  g: Float((hex >> 8) & 0xFF) / 255,
                  b: Float(hex & 0xFF) / 255)
    }

    /// True when the three components are equal, so one gray channel can hold it.
    public var isGray: Bool { r == g && g == b }

    /// Rec. 601 luma: 0.299 r + 0.587 g + 0.114 b (the weights of PIL, OpenCV and torchvision).
    public var luminance: Float { Color.lumaWeights.r * r + Color.lumaWeights.g * g + Color.lumaWeights.b * b }

    /// `self` where `t == 0`, `other` where `t == 1` (both exactly), straight lines between.
    public func mixed(with other: Color, _ t: Float) -> Color {
        let s = 1 - t
        return Color(r: s * r + t * other.r, g: s * g + t * other.g, b: s * b + t * other.b)
    }

    static let lumaWeights = (r: Float(0.299), g: Float(0.587), b: Float(0.114))

    public static let black = Color(gray: 0)
    public static let white = Color(gray: 1)
    public static let red = Color(r: 1, g: 0, b: 0)
    public static let green = Color(r: 0, g: 1, b: 0)
    public static let blue = Color(r: 0, g: 0, b: 1)

    /// Matplotlib's "tab10" qualitative palette, the default colours for chart series.
    public static let tab10: [Color] = [
        0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD,
        0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF,
    ].map { Color(hex: $0) }
}

/// A colour map: colours at evenly spaced positions over [0, 1] with linear
/// interpolation (in sRGB) between neighbours.
///
/// Values reach a map through a range: `t = (value − lower) / (upper − lower)`,
/// clamped to [0, 1]. A range of zero width maps every value to t = 0.5; NaN
/// maps to t = 0.
public struct ColorMap: Equatable, Sendable {
    public let name: String
    /// Colours at t = k / (stops.count − 1).
    public let stops: [Color]

    public init(name: String, stops: [Color]) {
        precondition(stops.count >= 2, "A colour map needs at least 2 colours, '\(name)' has \(stops.count).")
        self.name = name
        self.stops = stops
    }

    /// The colour at position `t` (clamped to [0, 1]). The stops themselves are hit exactly.
    public func color(at t: Float) -> Color {
        let u = t.isNaN ? 0 : min(max(t, 0), 1)
        let position = u * Float(stops.count - 1)
        let i = min(Int(position), stops.count - 2)
        return stops[i].mixed(with: stops[i + 1], position - Float(i))
    }

    /// The colour of `value` when `range` spans the whole map.
    public func color(for value: Float, in range: ClosedRange<Float>) -> Color {
        color(at: ColorMap.position(of: value, in: range))
    }

    /// Colours a `[height, width]` field of values into an RGB image.
    public func image(_ values: [Float], width: Int, height: Int, range: ClosedRange<Float>) -> Image { // values: [height, width]
        precondition(values.count == width * height,
                     "A \(width)×\(height) colour-mapped image needs \(width * height) values, got \(values.count).")
        var pixels = [Float](repeating: 0, count: values.count * 3)
        for (i, v) in values.enumerated() {
            let c = color(for: v, in: range)
            pixels[3 * i] = c.r
            pixels[3 * i + 1] = c.g
            pixels[3 * i + 2] = c.b
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// t = (value − lower) / (upper − lower) clamped to [0, 1]; 0.5 for an empty range, 0 for NaN.
    /// For a symmetric range −m…m, value 0 gives exactly 0.5.
    public static func position(of value: Float, in range: ClosedRange<Float>) -> Float {
        if value.isNaN { return 0 }
        let span = range.upperBound - range.lowerBound
        guard span > 0 else { return 0.5 }
        return min(max((value - range.lowerBound) / span, 0), 1)
    }

    /// The smallest range holding every finite value (0…0 when there are none).
    /// `symmetric` widens it to −m…m with m the largest magnitude, so 0 sits in the middle.
    public static func range(of values: [Float], symmetric: Bool = false) -> ClosedRange<Float> {
        var lo = Float.infinity, hi = -Float.infinity
        for v in values where v.isFinite {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        guard lo <= hi else { return 0...0 }
        if symmetric {
            let m = max(abs(lo), abs(hi))
            return -m...m
        }
        return lo...hi
    }

    // MARK: - The maps

    /// Matplotlib's viridis (perceptually uniform, lightness rising from dark
    /// purple #440154 to yellow #FDE725): every 5th entry of its 256-entry table
    /// (CC0), within 1/255 of the full table everywhere.
    public static let viridis = ColorMap(name: "viridis", stops: [
        0x440154, 0x46085C, 0x471063, 0x481769, 0x481D6F, 0x482475, 0x472A7A, 0x46307E, 0x453781,
        0x433D84, 0x414287, 0x3F4889, 0x3D4E8A, 0x3A538B, 0x38598C, 0x355E8D, 0x33638D, 0x31688E,
        0x2E6D8E, 0x2C718E, 0x2A768E, 0x297B8E, 0x27808E, 0x25848E, 0x23898E, 0x218E8D, 0x20928C,
        0x1F978B, 0x1E9C89, 0x1FA188, 0x21A585, 0x24AA83, 0x28AE80, 0x2EB37C, 0x35B779, 0x3DBC74,
        0x46C06F, 0x50C46A, 0x5AC864, 0x65CB5E, 0x70CF57, 0x7CD250, 0x89D548, 0x95D840, 0xA2DA37,
        0xB0DD2F, 0xBDDF26, 0xCAE11F, 0xD8E219, 0xE5E419, 0xF1E51D, 0xFDE725,
    ].map { Color(hex: $0) })

    /// Matplotlib's inferno (CC0) for errors and magnitudes, sampled like
    /// `viridis`, with its first entry (#000004) pinned to pure black so that
    /// zero error is black.
    public static let inferno = ColorMap(name: "inferno", stops: [
        0x000000, 0x02020C, 0x050417, 0x0A0722, 0x10092D, 0x160B39, 0x1E0C45, 0x260C51, 0x2F0A5B,
        0x380962, 0x400A67, 0x490B6A, 0x510E6C, 0x59106E, 0x61136E, 0x69166E, 0x71196E, 0x781C6D,
        0x801F6C, 0x88226A, 0x902568, 0x982766, 0xA02A63, 0xA82E5F, 0xB0315B, 0xB73557, 0xBF3952,
        0xC63D4D, 0xCC4248, 0xD34743, 0xD94D3D, 0xDF5337, 0xE45A31, 0xE9612B, 0xED6925, 0xF1711F,
        0xF47918, 0xF78212, 0xF98B0B, 0xFA9407, 0xFB9D07, 0xFCA60C, 0xFCB014, 0xFBBA1F, 0xFAC42A,
        0xF8CD37, 0xF6D746, 0xF4E156, 0xF2EA69, 0xF2F27D, 0xF5F992, 0xFCFFA4,
    ].map { Color(hex: $0) })

    /// Diverging blue–white–red for signed values (weights): ColorBrewer's
    /// 11-class RdBu reversed (matplotlib's "RdBu_r"), with its centre made pure
    /// white. Use a symmetric range (`range(of:symmetric: true)`) so that 0 is
    /// exactly white, negatives blue and positives red.
    public static let diverging = ColorMap(name: "diverging", stops: [
        0x053061, 0x2166AC, 0x4393C3, 0x92C5DE, 0xD1E5F0, 0xFFFFFF,
        0xFDDBC7, 0xF4A582, 0xD6604D, 0xB2182B, 0x67001F,
    ].map { Color(hex: $0) })

    /// Black to white.
    public static let gray = ColorMap(name: "gray", stops: [.black, .white])
}

/// A gray or RGB image held as `Float` samples in [0, 1].
///
/// Layout: row-major, channels interleaved (HWC): the sample of channel `c` at
/// column `x`, row `y` is `pixels[(y * width + x) * channels + c]`. Row 0 is the
/// top row. Values outside [0, 1] are allowed in memory (e.g. after bicubic
/// resampling) and are clamped when written to a PNG.
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// 1 (gray) or 3 (RGB).
    public let channels: Int
    public var pixels: [Float] // [height, width, channels]

    /// Wraps existing samples; `pixels.count` must be `width * height * channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width >= 0 && height >= 0, "Image size must not be negative, got \(width)×\(height).")
        precondition(channels == 1 || channels == 3, "An Image has 1 (gray) or 3 (RGB) channels, got \(channels).")
        precondition(pixels.count == width * height * channels,
                     "A \(width)×\(height)×\(channels) image needs \(width * height * channels) samples, got \(pixels.count).")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image with every sample equal to `value`.
    public init(width: Int, height: Int, channels: Int, fill value: Float = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: value, count: max(0, width * height * channels)))
    }

    /// An RGB image filled with one colour.
    public init(width: Int, height: Int, color: Color) {
        var pixels = [Float](repeating: 0, count: max(0, width * height * 3))
        for i in stride(from: 0, to: pixels.count, by: 3) {
            pixels[i] = color.r
            pixels[i + 1] = color.g
            pixels[i + 2] = color.b
        }
        self.init(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Sample of channel `c` at column `x`, row `y` (no bounds check beyond the array's).
    public subscript(x x: Int, y y: Int, c c: Int) -> Float {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// The colour at (x, y); a gray pixel gives r = g = b.
    public func color(x: Int, y: Int) -> Color {
        let i = (y * width + x) * channels
        return channels == 1 ? Color(gray: pixels[i]) : Color(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2])
    }

    /// This image with 3 channels: gray copied into r, g and b; RGB returned unchanged.
    public func rgb() -> Image {
        if channels == 3 { return self }
        var out = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let v = pixels[i]
            out[3 * i] = v
            out[3 * i + 1] = v
            out[3 * i + 2] = v
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }

    /// Rec. 601 luma per pixel, `[height, width]` row-major: 0.299 r + 0.587 g + 0.114 b.
    /// A gray image returns its own samples.
    public func luminance() -> [Float] {
        if channels == 1 { return pixels }
        let w = Color.lumaWeights
        var out = [Float](repeating: 0, count: width * height)
        for i in 0..<(width * height) {
            out[i] = w.r * pixels[3 * i] + w.g * pixels[3 * i + 1] + w.b * pixels[3 * i + 2]
        }
        return out
    }

    /// This image with 1 channel holding the luminance; gray returned unchanged.
    public func gray() -> Image {
        channels == 1 ? self : Image(width: width, height: height, channels: 1, pixels: luminance())
    }

    /// The `width`×`height` region whose top-left corner is (x, y); it must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        precondition(x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= width && y + h <= height,
                     "Crop \(w)×\(h) at (\(x), \(y)) does not fit in a \(width)×\(height) image.")
        var out = [Float]()
        out.reserveCapacity(w * h * channels)
        for row in y..<(y + h) {
            let start = (row * width + x) * channels
            out.append(contentsOf: pixels[start..<(start + w * channels)])
        }
        return Image(width: w, height: h, channels: channels, pixels: out)
    }

    /// Every sample clamped to [0, 1] (NaN becomes 0).
    public func clamped() -> Image {
        var out = self
        for i in out.pixels.indices {
            let v = out.pixels[i]
            out.pixels[i] = v.isNaN ? 0 : min(max(v, 0), 1)
        }
        return out
    }
}

import Imaging

/// The image a splat run fits, at its working size and channel count.
public enum SplatTarget {
    /// Loads (or draws) the target of `config` at its working size.
    ///
    /// A PNG is read through the PNG layer (every kind it reads; alpha composited onto
    /// black) and resized with area averaging when shrinking, bilinear when enlarging, so
    /// that its longer side is `config.size` (or at most 256 when no size is given). The
    /// shorter side is rounded and at least 1. Without a target the test card is drawn at
    /// the working size (256 by default). The colour mode then picks 1 or 3 channels.
    /// - Throws: the PNG layer's `ImageError` (missing file, not a PNG, damaged, …).
    public static func load(_ config: SplatConfig) throws -> Image {
        var image: Image
        if let path = config.target {
            image = try PNG.read(path)
            let longer = max(image.width, image.height)
            let wanted = config.size ?? min(longer, SplatConfig.defaultMaximumSize)
            if wanted != longer {
                let scale = Double(wanted) / Double(longer)
                let width = max(1, Int((Double(image.width) * scale).rounded()))
                let height = max(1, Int((Double(image.height) * scale).rounded()))
                image = image.resized(width: width, height: height)
            }
        } else {
            image = TestCard.image(size: config.size ?? SplatConfig.defaultMaximumSize)
        }
        switch config.color {
        case .auto: break
        case .gray: image = image.gray()
        case .rgb: image = image.rgb()
        }
        return image.clamped()
    }

    /// `image` rounded to 8-bit levels, exactly as its PNG reads back.
    public static func quantized(_ image: Image) -> Image {
        var out = image
        for i in out.pixels.indices {
            let v = out.pixels[i]
            out.pixels[i] = Float(UInt8((min(max(v.isNaN ? 0 : v, 0), 1) * 255).rounded())) / 255
        }
        return out
    }
}

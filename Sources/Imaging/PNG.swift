import CPNGShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// PNG reading and writing through libpng.
///
/// Reading accepts every PNG kind: gray, gray + alpha, RGB, RGBA and palette
/// images (with or without a tRNS transparency chunk), at 1, 2, 4, 8 or 16 bits
/// per sample, interlaced (Adam7) or not. Samples become `Float` in [0, 1]
/// (value / 255 or value / 65535, so 16-bit precision is kept), and any alpha is
/// composited onto a background colour. Writing produces 8-bit gray or RGB.
public enum PNG {
    /// The default pixel limit for reading: 2^28 pixels (16384 × 16384).
    public static let defaultMaxPixels = 1 << 28

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Reads the PNG at `path`.
    ///
    /// Alpha is composited as `a · colour + (1 − a) · background`, in the file's
    /// own (sRGB-encoded) values. The result has 1 channel when the file is gray
    /// and either has no alpha or the background is a gray; otherwise 3.
    /// - Parameters:
    ///   - background: the colour behind transparent pixels (default black).
    ///   - maxPixels: refuse images with more than this many pixels, before
    ///     allocating anything for them.
    /// - Throws: `ImageError` naming the file and what is wrong with it.
    public static func read(_ path: String, background: Color = .black,
                            maxPixels: Int = defaultMaxPixels) throws -> Image {
        try checkReadable(path)
        var raw = tv_png_image()
        var err = tv_png_error()
        let status = tv_png_read(path, UInt64(max(0, maxPixels)), &raw, &err)
        defer { tv_png_free(&raw) }
        guard status == TV_PNG_OK else {
            throw readError(status, err, path: path, maxPixels: maxPixels)
        }
        return decode(raw, background: background)
    }

    /// Writes `image` as an 8-bit gray (1 channel) or RGB (3 channels) PNG.
    ///
    /// Samples are clamped to [0, 1] and rounded to the nearest of 256 levels
    /// (NaN becomes 0). The file is written under a temporary name in the same
    /// folder and renamed into place, so a reader never sees half a PNG.
    /// - Parameter compression: zlib level 0 (fastest) to 9 (smallest).
    /// - Throws: `ImageError.writeFailed` naming the file and the reason.
    public static func write(_ image: Image, to path: String, compression: Int = 6) throws {
        guard image.width > 0 && image.height > 0 else {
            throw ImageError.writeFailed(path: path, reason: "a PNG needs at least one pixel, and the image is \(image.width)×\(image.height)")
        }
        var bytes = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            for i in 0..<src.count {
                let v = src[i]
                bytes[i] = v.isNaN ? 0 : UInt8((min(max(v, 0), 1) * 255).rounded())
            }
        }
        let colorType: Int32 = image.channels == 1 ? 0 : 2 // PNG_COLOR_TYPE_GRAY / _RGB
        let temporary = "\(path).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        var err = tv_png_error()
        let status = bytes.withUnsafeBytes { buffer in
            tv_png_write(temporary, UInt32(image.width), UInt32(image.height), 8, colorType, 0,
                         buffer.baseAddress, nil, 0, nil, 0, nil, Int32(min(max(compression, 0), 9)), &err)
        }
        guard status == TV_PNG_OK else {
            unlink(temporary)
            throw ImageError.writeFailed(path: path, reason: writeReason(status, err, path: path))
        }
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw ImageError.writeFailed(path: path, reason: code == EISDIR ? "a folder of that name is in the way" : String(cString: strerror(code)))
        }
    }

    // MARK: - Reading helpers

    /// The checks that give better sentences than libpng would: existence,
    /// folders, permissions, emptiness, and the signature (naming a JPEG as one).
    private static func checkReadable(_ path: String) throws {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR: throw ImageError.fileNotFound(path: path)
            case EACCES: throw ImageError.permissionDenied(path: path)
            default: throw ImageError.readFailed(path: path, reason: String(cString: strerror(code)))
            }
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw ImageError.isDirectory(path: path) }
        guard let file = fopen(path, "rb") else {
            let code = errno
            if code == EACCES { throw ImageError.permissionDenied(path: path) }
            throw ImageError.readFailed(path: path, reason: String(cString: strerror(code)))
        }
        defer { fclose(file) }
        var head = [UInt8](repeating: 0, count: 16)
        let count = fread(&head, 1, head.count, file)
        head.removeLast(head.count - count)
        if count == 0 {
            if ferror(file) != 0 { throw ImageError.readFailed(path: path, reason: String(cString: strerror(errno))) }
            throw ImageError.emptyFile(path: path)
        }
        if head.count >= signature.count {
            if Array(head.prefix(signature.count)) != signature {
                throw ImageError.notPNG(path: path, detectedFormat: FileSignature.describe(head))
            }
        } else if Array(signature.prefix(head.count)) == head {
            throw ImageError.truncated(path: path)
        } else {
            throw ImageError.notPNG(path: path, detectedFormat: FileSignature.describe(head))
        }
    }

    private static func message(_ err: tv_png_error) -> String {
        withUnsafeBytes(of: err.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    private static func readError(_ status: tv_png_status, _ err: tv_png_error, path: String, maxPixels: Int) -> ImageError {
        switch status {
        case TV_PNG_ERR_OPEN, TV_PNG_ERR_IO:
            switch err.sys_errno {
            case ENOENT, ENOTDIR: return .fileNotFound(path: path)
            case EACCES: return .permissionDenied(path: path)
            case EISDIR: return .isDirectory(path: path)
            default: return .readFailed(path: path, reason: message(err))
            }
        case TV_PNG_ERR_SIGNATURE: return .notPNG(path: path, detectedFormat: nil)
        case TV_PNG_ERR_TRUNCATED: return .truncated(path: path)
        case TV_PNG_ERR_CRC: return .badCRC(path: path, detail: message(err))
        case TV_PNG_ERR_TOO_LARGE:
            return .tooLarge(path: path, width: Int(err.width), height: Int(err.height), maxPixels: maxPixels)
        case TV_PNG_ERR_NOMEM: return .readFailed(path: path, reason: "out of memory while decoding")
        default: return .corrupt(path: path, detail: message(err))
        }
    }

    private static func writeReason(_ status: tv_png_status, _ err: tv_png_error, path: String) -> String {
        switch status {
        case TV_PNG_ERR_OPEN, TV_PNG_ERR_IO:
            switch err.sys_errno {
            case ENOENT, ENOTDIR: return "its folder does not exist"
            case EACCES: return "permission denied (the folder is not writable)"
            case ENOSPC: return "the disk is full"
            default: return message(err)
            }
        case TV_PNG_ERR_NOMEM: return "out of memory while encoding"
        default: return message(err)
        }
    }

    /// Converts libpng's 8- or 16-bit samples to `Float`, compositing alpha onto `background`.
    private static func decode(_ raw: tv_png_image, background: Color) -> Image {
        let width = Int(raw.width), height = Int(raw.height), count = width * height
        let source = Int(raw.channels)
        let hasAlpha = source == 2 || source == 4
        let outChannels = (source == 1 || (source == 2 && background.isGray)) ? 1 : 3
        var pixels = [Float](repeating: 0, count: count * outChannels)
        let scale: Float = raw.bit_depth == 16 ? 65535 : 255
        let bg = [background.r, background.g, background.b]

        // One sample reader per depth; the loops below are shared.
        func convert<Sample: BinaryInteger>(_ samples: UnsafePointer<Sample>) {
            pixels.withUnsafeMutableBufferPointer { out in
                for p in 0..<count {
                    let s = samples + p * source
                    let alpha: Float = hasAlpha ? Float(s[source - 1]) / scale : 1
                    for c in 0..<outChannels {
                        let value = Float(s[source >= 3 ? c : 0]) / scale
                        out[p * outChannels + c] = hasAlpha ? alpha * value + (1 - alpha) * bg[c] : value
                    }
                }
            }
        }
        if let base = raw.pixels, count > 0 {
            if raw.bit_depth == 16 {
                convert(UnsafePointer(base.assumingMemoryBound(to: UInt16.self)))
            } else {
                convert(UnsafePointer(base.assumingMemoryBound(to: UInt8.self)))
            }
        }
        return Image(width: width, height: height, channels: outChannels, pixels: pixels)
    }
}

extension Image {
    /// Reads a PNG file; see `PNG.read(_:background:maxPixels:)`.
    public init(contentsOfPNG path: String, background: Color = .black,
                maxPixels: Int = PNG.defaultMaxPixels) throws {
        self = try PNG.read(path, background: background, maxPixels: maxPixels)
    }

    /// Writes this image as an 8-bit gray or RGB PNG, atomically; see `PNG.write(_:to:compression:)`.
    public func write(toPNG path: String) throws {
        try PNG.write(self, to: path)
    }
}

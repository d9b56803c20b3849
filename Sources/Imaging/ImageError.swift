/// Why an image file could not be read or written. Each description is one
/// sentence that names the file and what is wrong with it.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    /// Nothing exists at the path (or a folder on the way to it is missing).
    case fileNotFound(path: String)
    /// The path names a folder, not a file.
    case isDirectory(path: String)
    /// The file exists but this user may not read it.
    case permissionDenied(path: String)
    /// The file has zero bytes.
    case emptyFile(path: String)
    /// The file does not start with the PNG signature; `detectedFormat` names
    /// what it looks like instead ("a JPEG image"), when recognised.
    case notPNG(path: String, detectedFormat: String?)
    /// The file ends before the PNG stream does (a cut-off download or a killed writer).
    case truncated(path: String)
    /// A chunk's checksum does not match its bytes; `detail` is libpng's message, e.g. "IDAT: CRC error".
    case badCRC(path: String, detail: String)
    /// Holding the pixels would take more memory than allowed; nothing was allocated.
    case tooLarge(path: String, width: Int, height: Int, maxPixels: Int)
    /// Any other damage libpng reports; `detail` is its message.
    case corrupt(path: String, detail: String)
    /// The operating system refused to read the file (an I/O error other than the ones above).
    case readFailed(path: String, reason: String)
    /// The file could not be written; `reason` is the operating system's or libpng's explanation.
    case writeFailed(path: String, reason: String)

    /// The path the error is about.
    public var path: String {
        switch self {
        case .fileNotFound(let p), .isDirectory(let p), .permissionDenied(let p), .emptyFile(let p),
             .notPNG(let p, _), .truncated(let p), .badCRC(let p, _), .tooLarge(let p, _, _, _),
             .corrupt(let p, _), .readFailed(let p, _), .writeFailed(let p, _):
            return p
        }
    }

    public var description: String {
        switch self {
        case .fileNotFound(let p):
            return "'\(p)' does not exist; check the path."
        case .isDirectory(let p):
            return "'\(p)' is a folder, not a PNG file."
        case .permissionDenied(let p):
            return "'\(p)' cannot be read: permission denied (check the file's permissions)."
        case .emptyFile(let p):
            return "'\(p)' is empty (0 bytes), so it holds no image."
        case .notPNG(let p, let format?):
            return "'\(p)' is not a PNG file (it starts with the bytes of \(format)); convert it to PNG first."
        case .notPNG(let p, nil):
            return "'\(p)' is not a PNG file (it does not start with the PNG signature)."
        case .truncated(let p):
            return "'\(p)' is truncated: the file ends before the PNG image does."
        case .badCRC(let p, let detail):
            return "'\(p)' is damaged: a checksum does not match its data (\(detail))."
        case .tooLarge(let p, let w, let h, let limit):
            return "'\(p)' is too large to load: \(w)×\(h) = \(w * h) pixels exceeds the limit of \(limit) pixels."
        case .corrupt(let p, let detail):
            return "'\(p)' is not a valid PNG file (libpng: \(detail))."
        case .readFailed(let p, let reason):
            return "'\(p)' could not be read: \(reason)."
        case .writeFailed(let p, let reason):
            return "Could not write '\(p)': \(reason)."
        }
    }
}

/// Recognises a few common image formats by their first bytes, so an error can
/// say "a JPEG image" instead of only "not a PNG".
enum FileSignature {
    /// A phrase like "a JPEG image", or nil when the bytes match nothing known.
    static func describe(_ head: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8]) -> Bool { head.count >= prefix.count && Array(head.prefix(prefix.count)) == prefix }
        func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }
        if starts([0xFF, 0xD8, 0xFF]) { return "a JPEG image" }
        if starts(ascii("GIF87a")) || starts(ascii("GIF89a")) { return "a GIF image" }
        if starts(ascii("BM")) && head.count >= 14 { return "a BMP image" }
        if starts(ascii("RIFF")) && head.count >= 12 && Array(head[8..<12]) == ascii("WEBP") { return "a WebP image" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "a TIFF image" }
        if head.count >= 12 && Array(head[4..<8]) == ascii("ftyp") {
            let brand = String(decoding: head[8..<12], as: UTF8.self)
            return ["avif", "avis"].contains(brand) ? "an AVIF image" : (["heic", "heix", "mif1"].contains(brand) ? "a HEIC image" : nil)
        }
        if starts(ascii("%PDF")) { return "a PDF document" }
        if starts([0x1F, 0x8B]) { return "a gzip archive" }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return "a ZIP archive" }
        if starts([0x93] + ascii("NUMPY")) { return "a NumPy .npy array" }
        if starts(ascii("P5")) || starts(ascii("P6")) { return "a PGM/PPM image" }
        if starts(ascii("<")) { return "an HTML or XML file" }
        return nil
    }
}

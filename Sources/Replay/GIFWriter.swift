import CGIF
import Foundation

/// Writes an animated GIF89a through giflib, one frame at a time.
///
/// The file starts with the logical screen (size and the global palette), then the
/// NETSCAPE2.0 application extension that makes browsers loop it (`loopCount` 0 = forever);
/// each frame is a graphics control extension (its delay, in hundredths of a second) and a
/// full-screen image using the global palette. Everything is written to a hidden temporary
/// name in the destination's folder and renamed into place by `finish()`, so a reader never
/// sees half a GIF; a writer dropped before `finish()` removes its temporary file.
///
/// ```swift
/// let writer = try GIFWriter(url: url, width: w, height: h, palette: palette)
/// for frame in frames { try writer.addFrame(indices, delay: 25) }
/// try writer.finish()
/// ```
public final class GIFWriter {
    /// The final file.
    public let url: URL
    public let width: Int
    public let height: Int
    /// Frames written so far.
    public private(set) var frameCount = 0

    private let temporaryPath: String
    private var file: UnsafeMutablePointer<GifFileType>?

    /// Opens the temporary file and writes the screen descriptor and the loop extension.
    /// - Parameters:
    ///   - palette: the global colour table (1 to 256 entries; padded to a power of two).
    ///   - loopCount: how many times to repeat; 0 loops forever.
    /// - Throws: `ReplayError.gifFailed` with giflib's reason, `.invalidPalette`.
    public init(url: URL, width: Int, height: Int, palette: Palette, loopCount: Int = 0) throws {
        guard (1...256).contains(palette.colors.count) else { throw ReplayError.invalidPalette(count: palette.colors.count) }
        guard (1...65_535).contains(width), (1...65_535).contains(height) else {
            throw ReplayError.gifFailed(path: url.path, operation: "EGifPutScreenDesc",
                                        reason: "a GIF is 1 to 65,535 pixels a side, not \(width)×\(height)")
        }
        self.url = url
        self.width = width
        self.height = height
        temporaryPath = url.deletingLastPathComponent().path + "/." + url.lastPathComponent
            + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

        var error: Int32 = 0
        guard let opened = EGifOpenFileName(temporaryPath, false, &error) else {
            throw ReplayError.gifFailed(path: url.path, operation: "EGifOpenFileName", reason: GIFWriter.reason(error))
        }
        file = opened
        do {
            EGifSetGifVersion(opened, true)
            // giflib wants a power-of-two table; the padding entries repeat black and are never used.
            var size = 2
            while size < palette.colors.count { size *= 2 }
            var entries = palette.colors.map { GifColorType(Red: $0.r, Green: $0.g, Blue: $0.b) }
            entries += Array(repeating: GifColorType(Red: 0, Green: 0, Blue: 0), count: size - entries.count)
            guard let colorMap = GifMakeMapObject(Int32(size), entries) else {
                throw ReplayError.gifFailed(path: url.path, operation: "GifMakeMapObject", reason: "could not allocate a \(size)-entry colour map")
            }
            defer { GifFreeMapObject(colorMap) }
            var bits: Int32 = 1
            while (1 << bits) < size { bits += 1 }
            try check(EGifPutScreenDesc(opened, Int32(width), Int32(height), bits, 0, colorMap), "EGifPutScreenDesc")

            // NETSCAPE2.0 block: sub-block id 1, then the loop count, little-endian.
            try check(EGifPutExtensionLeader(opened, APPLICATION_EXT_FUNC_CODE), "EGifPutExtensionLeader")
            let identifier = Array("NETSCAPE2.0".utf8)
            try check(EGifPutExtensionBlock(opened, Int32(identifier.count), identifier), "EGifPutExtensionBlock")
            let loop: [UInt8] = [1, UInt8(loopCount & 0xFF), UInt8((loopCount >> 8) & 0xFF)]
            try check(EGifPutExtensionBlock(opened, Int32(loop.count), loop), "EGifPutExtensionBlock")
            try check(EGifPutExtensionTrailer(opened), "EGifPutExtensionTrailer")
        } catch {
            abandon()
            throw error
        }
    }

    deinit {
        abandon()
    }

    /// Appends one full-screen frame.
    /// - Parameters:
    ///   - indices: `[height, width]` palette indices.
    ///   - delay: display time in hundredths of a second (browsers treat values below 2 as 10).
    public func addFrame(_ indices: [UInt8], delay: Int) throws { // indices: [height, width]
        guard let file else {
            throw ReplayError.gifFailed(path: url.path, operation: "EGifPutImageDesc", reason: "the writer is already finished")
        }
        guard indices.count == width * height else {
            throw ReplayError.frameSizeMismatch(path: url.path, expected: width * height, actual: indices.count)
        }
        var control = GraphicsControlBlock(DisposalMode: DISPOSE_DO_NOT, UserInputFlag: false,
                                           DelayTime: Int32(min(max(delay, 0), 65_535)), TransparentColor: NO_TRANSPARENT_COLOR)
        var extensionBytes = [UInt8](repeating: 0, count: 4)
        let length = EGifGCBToExtension(&control, &extensionBytes)
        try check(EGifPutExtension(file, GRAPHICS_EXT_FUNC_CODE, Int32(length), extensionBytes), "EGifPutExtension")
        try check(EGifPutImageDesc(file, 0, 0, Int32(width), Int32(height), false, nil), "EGifPutImageDesc")
        var pixels = indices
        try pixels.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<height {
                try check(EGifPutLine(file, buffer.baseAddress! + row * width, Int32(width)), "EGifPutLine")
            }
        }
        frameCount += 1
    }

    /// Writes the trailer, closes the file and renames it into place.
    public func finish() throws {
        guard let opened = file else { return }
        file = nil
        var error: Int32 = 0
        guard EGifCloseFile(opened, &error) == GIF_OK else {
            unlink(temporaryPath)
            throw ReplayError.gifFailed(path: url.path, operation: "EGifCloseFile", reason: GIFWriter.reason(error))
        }
        chmod(temporaryPath, 0o644) // giflib creates the file readable by its owner only
        guard rename(temporaryPath, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw ReplayError.fileFailed(path: url.path, reason: reason)
        }
    }

    /// Closes and deletes the temporary file (after an error, or when dropped unfinished).
    private func abandon() {
        guard let opened = file else { return }
        file = nil
        var error: Int32 = 0
        EGifCloseFile(opened, &error)
        unlink(temporaryPath)
    }

    private func check(_ status: Int32, _ operation: String) throws {
        guard status == GIF_OK else {
            throw ReplayError.gifFailed(path: url.path, operation: operation, reason: GIFWriter.reason(file?.pointee.Error ?? 0))
        }
    }

    /// giflib's text for an error code.
    static func reason(_ code: Int32) -> String {
        guard let text = GifErrorString(code) else { return "giflib error \(code)" }
        return String(cString: text).trimmingCharacters(in: CharacterSet(charactersIn: ". "))
    }
}

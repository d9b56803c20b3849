import Foundation
import XCTest
@testable import Imaging

/// Broken and missing files: each must throw its own typed error, never crash.
final class PNGErrorTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder(self)
    }

    /// A valid 64×48 RGB PNG from our own writer, as bytes.
    private func validPNG(width: Int = 64, height: Int = 48) throws -> [UInt8] {
        let pixels = (0..<(width * height * 3)).map { (i: Int) -> Float in Float((i * 13) % 256) / 255 }
        let path = "\(folder)/valid-\(width)x\(height).png"
        try Image(width: width, height: height, channels: 3, pixels: pixels).write(toPNG: path)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func save(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = "\(folder)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testNonexistentFile() {
        let path = "\(folder)/missing.png"
        assertThrows(.fileNotFound(path: path)) { _ = try PNG.read(path) }
        assertThrows(.fileNotFound(path: path + "/deeper.png")) { _ = try PNG.read(path + "/deeper.png") }
        XCTAssertEqual(ImageError.fileNotFound(path: path).description, "'\(path)' does not exist; check the path.")
    }

    func testDirectory() {
        assertThrows(.isDirectory(path: folder)) { _ = try PNG.read(folder) }
    }

    func testUnreadableFile() throws {
        let path = try save(try validPNG(), "locked.png")
        XCTAssertEqual(chmod(path, 0), 0)
        defer { chmod(path, 0o644) }
        if geteuid() == 0 {
            throw XCTSkip("running as root: chmod 000 does not stop root from reading, so the permission error cannot occur")
        }
        assertThrows(.permissionDenied(path: path)) { _ = try PNG.read(path) }
    }

    func testEmptyFile() throws {
        let path = try save([], "empty.png")
        assertThrows(.emptyFile(path: path)) { _ = try PNG.read(path) }
    }

    func testNotAPNGNamesWhatItIs() throws {
        let jpeg = try save([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01], "cat.jpg")
        assertThrows(.notPNG(path: jpeg, detectedFormat: "a JPEG image")) { _ = try PNG.read(jpeg) }
        XCTAssertEqual(ImageError.notPNG(path: jpeg, detectedFormat: "a JPEG image").description,
                       "'\(jpeg)' is not a PNG file (it starts with the bytes of a JPEG image); convert it to PNG first.")
        let gif = try save(Array("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8), "anim.gif")
        assertThrows(.notPNG(path: gif, detectedFormat: "a GIF image")) { _ = try PNG.read(gif) }
        let bmp = try save(Array("BM".utf8) + [UInt8](repeating: 0, count: 52), "old.bmp")
        assertThrows(.notPNG(path: bmp, detectedFormat: "a BMP image")) { _ = try PNG.read(bmp) }
        let text = try save(Array("just some words\n".utf8), "notes.png")
        assertThrows(.notPNG(path: text, detectedFormat: nil)) { _ = try PNG.read(text) }
        let tiny = try save([0x42], "tiny.png")
        assertThrows(.notPNG(path: tiny, detectedFormat: nil)) { _ = try PNG.read(tiny) }
    }

    func testTruncatedAnywhere() throws {
        let bytes = try validPNG()
        // Inside the signature, inside IHDR, inside IDAT, and just before IEND ends.
        for cut in [5, 20, bytes.count / 2, bytes.count - 1] {
            let path = try save(Array(bytes.prefix(cut)), "cut\(cut).png")
            assertThrows(.truncated(path: path)) { _ = try PNG.read(path) }
        }
    }

    func testBadCRCInIDATAndIHDR() throws {
        var bytes = try validPNG()
        let idat = try XCTUnwrap(chunkOffset(bytes, "IDAT"))
        let length = Int(bytes[idat]) << 24 | Int(bytes[idat + 1]) << 16 | Int(bytes[idat + 2]) << 8 | Int(bytes[idat + 3])
        bytes[idat + 8 + length] ^= 0x5A // first CRC byte; the data itself still decompresses
        let path = try save(bytes, "badcrc.png")
        XCTAssertThrowsError(try PNG.read(path)) { error in
            guard case ImageError.badCRC(path, let detail) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(detail.contains("IDAT"), detail)
        }

        var header = try validPNG()
        header[8 + 8 + 12] ^= 0x01 // IHDR's filter method byte, CRC left as it was
        let headerPath = try save(header, "badihdr.png")
        XCTAssertThrowsError(try PNG.read(headerPath)) { error in
            guard case ImageError.badCRC(headerPath, _) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue("\(error)".contains(headerPath))
        }
    }

    func testOversizedDimensionsAreRefusedBeforeAllocating() throws {
        var bytes = try validPNG()
        // IHDR data starts at 16: width, height (big-endian); then fix the CRC so only the size is "wrong".
        putBigEndian(100_000, into: &bytes, at: 16)
        putBigEndian(90_000, into: &bytes, at: 20)
        putBigEndian(crc32(bytes[12..<29]), into: &bytes, at: 29)
        let path = try save(bytes, "huge.png")
        assertThrows(.tooLarge(path: path, width: 100_000, height: 90_000, maxPixels: PNG.defaultMaxPixels)) {
            _ = try PNG.read(path)
        }
        // A caller's own cap applies the same way to a real 64×48 image.
        let small = try save(try validPNG(), "small.png")
        assertThrows(.tooLarge(path: small, width: 64, height: 48, maxPixels: 3000)) {
            _ = try PNG.read(small, maxPixels: 3000)
        }
        XCTAssertNoThrow(try PNG.read(small, maxPixels: 64 * 48))
    }

    func testInvalidHeaderIsCorrupt() throws {
        var bytes = try validPNG()
        putBigEndian(0, into: &bytes, at: 16) // width 0, with a matching CRC: a well-formed chunk saying nonsense
        putBigEndian(crc32(bytes[12..<29]), into: &bytes, at: 29)
        let path = try save(bytes, "zero-width.png")
        XCTAssertThrowsError(try PNG.read(path)) { error in
            guard case ImageError.corrupt(path, let detail) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(detail.lowercased().contains("width"), detail)
        }
    }

    /// 200 failing reads of a 512×512 file (truncated mid-pixels and bad CRC, both
    /// failing after the pixel buffer exists): no crash, and resident memory stays flat.
    func testRepeatedFailuresNeitherCrashNorLeak() throws {
        let bytes = try validPNG(width: 512, height: 512)
        let cut = try save(Array(bytes.prefix(bytes.count * 3 / 4)), "cut.png")
        var crcBytes = bytes
        crcBytes[crcBytes.count - 5] ^= 0xFF // IEND's CRC: fails after all pixels are decoded
        let crc = try save(crcBytes, "crc.png")
        for _ in 0..<10 { _ = try? PNG.read(cut); _ = try? PNG.read(crc) } // warm up allocator caches
        let before = residentBytes()
        for _ in 0..<100 {
            assertThrows(.truncated(path: cut)) { _ = try PNG.read(cut) }
            XCTAssertThrowsError(try PNG.read(crc))
        }
        let growth = residentBytes() - before
        // A leaked pixel buffer is 786 KB; 200 of them would add 150 MB.
        XCTAssertLessThan(growth, 16 << 20, "resident memory grew by \(growth >> 20) MB over 200 failed reads")
    }

    private func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

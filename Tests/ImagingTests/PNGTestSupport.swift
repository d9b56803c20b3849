import CPNGShim
import Foundation
import XCTest
@testable import Imaging

/// PNG colour types as the PNG specification numbers them.
enum PNGColorType: Int32 {
    case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

    var samplesPerPixel: Int {
        switch self {
        case .gray, .palette: return 1
        case .grayAlpha: return 2
        case .rgb: return 3
        case .rgba: return 4
        }
    }
}

/// Writes any PNG kind through libpng (via the shim's general writer), one
/// sample per element of `samples`, so tests can make the odd kinds to read back.
func writeRawPNG(_ path: String, width: Int, height: Int, bitDepth: Int, colorType: PNGColorType,
                 interlaced: Bool = false, samples: [UInt16], palette: [UInt8]? = nil,
                 transAlpha: [UInt8]? = nil, transColor: [UInt16]? = nil,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(samples.count, width * height * colorType.samplesPerPixel, "sample count", file: file, line: line)
    var err = tv_png_error()
    let pal = palette ?? []
    let alpha = transAlpha ?? []
    let colour = (transColor ?? []) + [0, 0, 0]
    let status: tv_png_status = pal.withUnsafeBufferPointer { palBuf in
        alpha.withUnsafeBufferPointer { alphaBuf in
            colour.withUnsafeBufferPointer { colourBuf in
                let write = { (data: UnsafeRawPointer) in
                    tv_png_write(path, UInt32(width), UInt32(height), Int32(bitDepth), colorType.rawValue,
                                 interlaced ? 1 : 0, data,
                                 palette == nil ? nil : palBuf.baseAddress, Int32(pal.count / 3),
                                 transAlpha == nil ? nil : alphaBuf.baseAddress, Int32(alpha.count),
                                 transColor == nil ? nil : colourBuf.baseAddress, -1, &err)
                }
                if bitDepth == 16 {
                    return samples.withUnsafeBytes { write($0.baseAddress!) }
                }
                let bytes = samples.map { UInt8($0) }
                return bytes.withUnsafeBytes { write($0.baseAddress!) }
            }
        }
    }
    XCTAssertEqual(status, TV_PNG_OK, "test writer failed for \(path)", file: file, line: line)
}

/// A fresh temporary folder for one test, removed when the test ends.
func makeTemporaryFolder(_ test: XCTestCase) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock {
        try? FileManager.default.removeItem(at: url)
    }
    return url.path
}

/// CRC-32 as PNG chunks use it (ISO 3309, polynomial 0xEDB88320).
func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// Byte offset of the first chunk of type `name` (its length field), or nil.
func chunkOffset(_ bytes: [UInt8], _ name: String) -> Int? {
    var offset = 8
    let type = Array(name.utf8)
    while offset + 8 <= bytes.count {
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        if Array(bytes[(offset + 4)..<(offset + 8)]) == type { return offset }
        offset += 12 + length
    }
    return nil
}

func putBigEndian(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
    for i in 0..<4 { bytes[offset + i] = UInt8((value >> (24 - 8 * UInt32(i))) & 0xFF) }
}

/// Asserts that `body` throws exactly `expected`.
func assertThrows(_ expected: ImageError, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected \(expected), nothing was thrown", file: file, line: line)
    } catch let error as ImageError {
        XCTAssertEqual(error, expected, file: file, line: line)
    } catch {
        XCTFail("expected \(expected), got \(error)", file: file, line: line)
    }
}

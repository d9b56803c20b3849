import Foundation
import XCTest
@testable import Imaging

final class PNGWriteTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder(self)
    }

    func testGrayRoundTripIsByteExact() throws {
        // Every 8-bit level once, in a 16×16 image.
        let image = Image(width: 16, height: 16, channels: 1, pixels: (0..<256).map { Float($0) / 255 })
        try image.write(toPNG: "\(folder)/gray.png")
        let back = try PNG.read("\(folder)/gray.png")
        XCTAssertEqual(back, image)
    }

    func testRGBRoundTripIsByteExact() throws {
        let (w, h) = (31, 17)
        let pixels = (0..<(w * h * 3)).map { (i: Int) -> Float in Float((i * 37 + i / 3) % 256) / 255 }
        let image = Image(width: w, height: h, channels: 3, pixels: pixels)
        try PNG.write(image, to: "\(folder)/rgb.png", compression: 9)
        XCTAssertEqual(try PNG.read("\(folder)/rgb.png"), image)
    }

    func testQuantisationClampsAndRounds() throws {
        let image = Image(width: 6, height: 1, channels: 1, pixels: [-0.5, 0.0019, 0.0021, 0.5, 1.7, .nan])
        try image.write(toPNG: "\(folder)/q.png")
        let back = try PNG.read("\(folder)/q.png")
        // 0.0019·255 = 0.48 → 0; 0.0021·255 = 0.54 → 1; 0.5·255 = 127.5 → 128.
        XCTAssertEqual(back.pixels.map { Int(($0 * 255).rounded()) }, [0, 0, 1, 128, 255, 0])
    }

    func testWriteReplacesAtomicallyAndLeavesNoTemporaryFiles() throws {
        let path = "\(folder)/out.png"
        try Image(width: 4, height: 4, channels: 1, fill: 0.25).write(toPNG: path)
        try Image(width: 3, height: 2, channels: 3, fill: 1).write(toPNG: path)
        let back = try PNG.read(path)
        XCTAssertEqual([back.width, back.height, back.channels], [3, 2, 3])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["out.png"])
    }

    func testWriteIntoAMissingFolderFails() {
        let path = "\(folder)/no/such/folder/x.png"
        assertThrows(.writeFailed(path: path, reason: "its folder does not exist")) {
            try Image(width: 1, height: 1, channels: 1).write(toPNG: path)
        }
        XCTAssertTrue(ImageError.writeFailed(path: path, reason: "its folder does not exist").description.contains(path))
    }

    func testWriteOverAFolderFailsAndCleansUp() throws {
        let path = "\(folder)/taken"
        try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        XCTAssertThrowsError(try Image(width: 1, height: 1, channels: 1).write(toPNG: path)) { error in
            guard case ImageError.writeFailed(let p, _) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(p, path)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["taken"], "no temporary file left behind")
    }

    func testEmptyImageIsRefused() {
        XCTAssertThrowsError(try Image(width: 0, height: 3, channels: 1).write(toPNG: "\(folder)/e.png"))
    }
}

import Foundation
import XCTest
@testable import Replay

final class GIFWriterTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("gif-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testFramesDelaysAndLoopRoundTripThroughGiflib() throws {
        let palette = Palette(colors: [RGB8(r: 0, g: 0, b: 0), RGB8(r: 255, g: 0, b: 0), RGB8(r: 10, g: 200, b: 30)])
        let (w, h) = (7, 5)
        let url = folder.appendingPathComponent("a.gif")
        let writer = try GIFWriter(url: url, width: w, height: h, palette: palette)
        var expected: [[UInt8]] = []
        for frame in 0..<3 {
            let indices = (0..<(w * h)).map { UInt8(($0 + frame) % 3) }
            expected.append(indices)
            try writer.addFrame(indices, delay: frame == 2 ? 150 : 25)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path), "nothing under the final name before finish()")
        try writer.finish()

        let gif = try DecodedGIF.read(url.path)
        XCTAssertEqual([gif.width, gif.height, gif.frameCount], [w, h, 3])
        XCTAssertEqual(gif.delays, [25, 25, 150])
        XCTAssertEqual(gif.loopCount, 0, "NETSCAPE2.0 extension with loop count 0 (forever)")
        XCTAssertEqual(gif.palette.count, 4 * 3, "3 colours padded to a power of two")
        for (frame, indices) in expected.enumerated() {
            let rgb = indices.flatMap { i -> [UInt8] in let c = palette.colors[Int(i)]; return [c.r, c.g, c.b] }
            XCTAssertEqual(gif.frames[frame], rgb, "frame \(frame)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no temporary file left behind")
    }

    func testAWrongFrameSizeIsATypedErrorAndAnAbandonedWriterLeavesNothing() throws {
        let url = folder.appendingPathComponent("b.gif")
        do {
            let writer = try GIFWriter(url: url, width: 4, height: 4, palette: Palette(colors: [RGB8(r: 1, g: 2, b: 3)]))
            XCTAssertThrowsError(try writer.addFrame([0, 0, 0], delay: 10)) { error in
                XCTAssertEqual(error as? ReplayError, .frameSizeMismatch(path: url.path, expected: 16, actual: 3))
                XCTAssertEqual("\(error)", "A frame for '\(url.path)' has 3 pixels but the GIF's screen holds 16.")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    func testGiflibFailuresCarryGiflibsReason() {
        let url = folder.appendingPathComponent("no-such-folder/c.gif")
        XCTAssertThrowsError(try GIFWriter(url: url, width: 4, height: 4, palette: Palette(colors: [RGB8(r: 0, g: 0, b: 0)]))) { error in
            guard case let .gifFailed(path, operation, reason)? = error as? ReplayError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, url.path)
            XCTAssertEqual(operation, "EGifOpenFileName")
            XCTAssertFalse(reason.isEmpty)
        }
        XCTAssertThrowsError(try GIFWriter(url: folder.appendingPathComponent("d.gif"), width: 4, height: 4, palette: Palette(colors: [])))
    }
}

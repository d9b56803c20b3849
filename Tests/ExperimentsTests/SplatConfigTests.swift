import Foundation
import XCTest
@testable import Experiments
import Imaging
import Splatting
import Storage

final class SplatConfigTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("splat-config-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func refusal(_ change: (inout SplatConfig) -> Void) -> String? {
        var c = SplatConfig()
        change(&c)
        do {
            try c.validate()
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testBadCountsStepsSizesAndScalesAreRefusedWithASentence() {
        XCTAssertNil(refusal { _ in })
        XCTAssertEqual(refusal { $0.gaussians = 0 }, "--gaussians must be a positive whole number, not 0.")
        XCTAssertEqual(refusal { $0.gaussians = -5 }, "--gaussians must be a positive whole number, not -5.")
        XCTAssertEqual(refusal { $0.epochs = 0 }, "--epochs must be a positive whole number, not 0.")
        XCTAssertEqual(refusal { $0.stepsPerEpoch = -1 }, "--steps-per-epoch must be a positive whole number, not -1.")
        XCTAssertEqual(refusal { $0.size = 0 }, "--size must be a positive whole number, not 0.")
        XCTAssertEqual(refusal { $0.threads = 0 }, "--threads must be a positive whole number, not 0.")
        XCTAssertEqual(refusal { $0.renderScale = 0 }, "--render-scale must be a positive number, not 0.0.")
        XCTAssertEqual(refusal { $0.renderScale = -2 }, "--render-scale must be a positive number, not -2.0.")
        XCTAssertEqual(refusal { $0.learningRateScale = .nan }, "--lr-scale must be a positive number, not nan.")
        XCTAssertEqual(refusal { $0.epochs = 10_000 }, "--epochs can be at most 9999, not 10000.")
    }

    func testConfigurationRoundTripsThroughTheManifest() throws {
        var c = SplatConfig()
        c.target = "cat.png"
        c.gaussians = 300
        c.epochs = 7
        c.stepsPerEpoch = 11
        c.size = 64
        c.shape = .isotropic
        c.color = .gray
        c.loss = .l1SSIM
        c.grow = true
        c.seed = 42
        c.renderScale = 2.5
        c.threads = 1
        c.learningRateScale = 0.5
        XCTAssertEqual(try JSONValue(encoding: c).decode(SplatConfig.self), c)
        XCTAssertEqual(try JSONValue(encoding: SplatConfig()).decode(SplatConfig.self), SplatConfig())
    }

    func testAMissingOrNonPNGTargetGivesThePNGLayersSentenceAndNoRunFolder() throws {
        var c = SplatConfig()
        c.target = folder.appendingPathComponent("nothing.png").path
        XCTAssertThrowsError(try SplatTrainer(config: c, runsFolder: folder.appendingPathComponent("runs"))) { error in
            XCTAssertEqual(error as? ImageError, .fileNotFound(path: c.target!))
            XCTAssertEqual("\(error)", "'\(c.target!)' does not exist; check the path.")
        }
        let jpeg = folder.appendingPathComponent("photo.png")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46, 0, 1]).write(to: jpeg)
        c.target = jpeg.path
        XCTAssertThrowsError(try SplatTrainer(config: c, runsFolder: folder.appendingPathComponent("runs"))) { error in
            guard case .notPNG? = error as? ImageError else { return XCTFail("expected notPNG, got \(error)") }
            XCTAssertTrue("\(error)".hasPrefix("'\(jpeg.path)' is not a PNG file"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("runs").path),
                       "a refused target must not leave a run folder behind")
    }

    func testWorkingSizeShrinksLargeTargetsAndKeepsSmallOnesUnlessAsked() throws {
        let path = folder.appendingPathComponent("wide.png").path
        try Image(width: 40, height: 20, color: .red).write(toPNG: path)
        var c = SplatConfig()
        c.target = path
        var image = try SplatTarget.load(c)
        XCTAssertEqual([image.width, image.height, image.channels], [40, 20, 3], "smaller than 256: kept")
        c.size = 10
        image = try SplatTarget.load(c)
        XCTAssertEqual([image.width, image.height], [10, 5])
        c.size = 80
        image = try SplatTarget.load(c)
        XCTAssertEqual([image.width, image.height], [80, 40], "an explicit --size may enlarge")
        c.target = nil
        c.size = 24
        image = try SplatTarget.load(c)
        XCTAssertEqual([image.width, image.height, image.channels], [24, 24, 3], "the test card at --size")
    }

    func testColorModeFollowsOrOverridesTheTarget() throws {
        let grayPath = folder.appendingPathComponent("gray.png").path
        try Image(width: 6, height: 4, channels: 1, fill: 0.5).write(toPNG: grayPath)
        var c = SplatConfig()
        c.target = grayPath
        XCTAssertEqual(try SplatTarget.load(c).channels, 1, "auto follows a gray PNG")
        c.color = .rgb
        XCTAssertEqual(try SplatTarget.load(c).channels, 3)
        c.target = nil
        c.size = 8
        c.color = .auto
        XCTAssertEqual(try SplatTarget.load(c).channels, 3, "the test card is RGB")
        c.color = .gray
        let gray = try SplatTarget.load(c)
        XCTAssertEqual(gray.channels, 1)
        XCTAssertEqual(gray.pixels, TestCard.image(size: 8).gray().clamped().pixels)
    }

    func testQuantizedTargetEqualsItsPNG() throws {
        let card = TestCard.image(size: 12)
        let q = SplatTarget.quantized(card)
        let path = folder.appendingPathComponent("q.png").path
        try card.write(toPNG: path)
        XCTAssertEqual(try PNG.read(path).pixels, q.pixels)
    }
}

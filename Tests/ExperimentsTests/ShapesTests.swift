import Foundation
import Imaging
import XCTest
@testable import Experiments

final class ShapesTests: XCTestCase {
    func testSameSeedSameImagesDifferentSeedDifferentImages() {
        let a = ShapesGenerator.generate(count: 60, seed: 3)
        let b = ShapesGenerator.generate(count: 60, seed: 3)
        let c = ShapesGenerator.generate(count: 60, seed: 4)
        XCTAssertEqual(a.images, b.images)
        XCTAssertEqual(a.labels, b.labels)
        XCTAssertNotEqual(a.images, c.images)
    }

    func testClassesAreBalancedAndPixelsInRange() {
        let data = ShapesGenerator.generate(count: 600, seed: 0)
        XCTAssertEqual(data.images.count, 600 * 3 * 32 * 32)
        var counts = [Int](repeating: 0, count: 6)
        for label in data.labels { counts[label] += 1 }
        XCTAssertEqual(counts, [100, 100, 100, 100, 100, 100])
        XCTAssertGreaterThanOrEqual(data.images.min()!, 0)
        XCTAssertLessThanOrEqual(data.images.max()!, 1)
    }

    func testEveryImageShowsAShapeWithAntiAliasedEdges() {
        // With the noise removed by averaging the three channels' deviation from the
        // background, each image has pixels near the foreground, near the background
        // and (anti-aliasing) in between.
        let data = ShapesGenerator.generate(count: 120, seed: 1, gray: true)
        for i in 0..<data.count {
            let pixels = Array(data.images[(i * 1024)..<((i + 1) * 1024)])
            let sorted = pixels.sorted()
            let low = sorted[20], high = sorted[1003]
            // Some contrast exists (gray contrast can be small for some colour pairs; most have plenty).
            XCTAssertGreaterThan(high - low, 0.02, "image \(i) (\(ShapeClass(rawValue: data.labels[i])!)) is flat")
        }
    }

    func testChannelStatisticsNormaliseToZeroMeanUnitStd() {
        var data = ShapesGenerator.generate(count: 200, seed: 2)
        let stats = ChannelStatistics(of: data)
        stats.normalise(&data)
        let after = ChannelStatistics(of: data)
        for c in 0..<3 {
            XCTAssertEqual(after.mean[c], 0, accuracy: 1e-4)
            XCTAssertEqual(after.std[c], 1, accuracy: 1e-3)
        }
    }

    func testDumpForLooking() throws {
        guard let path = ProcessInfo.processInfo.environment["TRAINVIZ_DUMP_SHAPES"] else {
            throw XCTSkip("set TRAINVIZ_DUMP_SHAPES=/path to dump raw images")
        }
        let data = ShapesGenerator.generate(count: 72, seed: 0)
        let bytes = data.images.withUnsafeBufferPointer { Data(buffer: $0) }
        try bytes.write(to: URL(fileURLWithPath: path))
        try Data(data.labels.map { UInt8($0) }).write(to: URL(fileURLWithPath: path + ".labels"))
        XCTAssertEqual(bytes.count, 72 * 3072 * 4)
    }
}

final class ShapesPreviewTests: XCTestCase {
    func testPreviewAndExportAreWrittenAndLabelled() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shapes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ShapesPreview.write(count: 18, seed: 4, to: folder, export: true)
        let sheet = try Image(contentsOfPNG: folder.appendingPathComponent("shapes-preview.png").path)
        XCTAssertGreaterThan(sheet.width, 3 * 4 * 32)
        let csv = try String(contentsOf: folder.appendingPathComponent("shapes-seed4/labels.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n")
        XCTAssertEqual(rows.count, 19)
        let data = ShapesGenerator.generate(count: 18, seed: 4)
        XCTAssertEqual(rows[1], "00000.png,\(data.labels[0]),\(ShapeClass(rawValue: data.labels[0])!)")
        let first = try Image(contentsOfPNG: folder.appendingPathComponent("shapes-seed4/00000.png").path)
        XCTAssertEqual(first.pixels.count, ShapesPreview.image(data, 0).pixels.count)
        for (a, b) in zip(first.pixels, ShapesPreview.image(data, 0).pixels) { XCTAssertEqual(a, b, accuracy: 0.5 / 255 + 1e-6) }
    }

    func testZeroCountIsRefused() {
        XCTAssertThrowsError(try ShapesPreview.write(count: 0, seed: 0, to: URL(fileURLWithPath: "/tmp/unused"), export: false)) {
            XCTAssertEqual("\($0)", "--count must be a positive whole number, not 0.")
        }
    }
}

import Foundation
import Imaging
import Storage
import XCTest
@testable import Replay

final class RunReplayTests: XCTestCase {
    private func replay(_ folder: URL, _ options: ReplayOptions = ReplayOptions()) throws -> (ReplayOutput, [String]) {
        let replay = try RunReplay(folder: folder, options: options)
        var lines: [String] = []
        replay.log = { lines.append($0) }
        return (try replay.write(), lines)
    }

    private func frameSizes(_ folder: URL) throws -> [String: [Int]] {
        var sizes: [String: [Int]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".png") {
            let image = try PNG.read(folder.appendingPathComponent(name).path)
            sizes[name] = [image.width, image.height]
        }
        return sizes
    }

    func testACNNRunBecomesFramesAGIFAndAPageWithoutTouchingTheRun() throws {
        let run = try CNNFixture.completed()
        try? FileManager.default.removeItem(at: run.appendingPathComponent("replay"))
        let before = runFiles(run)
        let (output, lines) = try replay(run, ReplayOptions(fps: 5))

        // Frames: one per snapshot, epoch 0 included, all one size.
        let sizes = try frameSizes(try XCTUnwrap(output.framesFolder))
        XCTAssertEqual(sizes.keys.sorted(), ["0000.png", "0001.png", "0002.png"])
        XCTAssertEqual(Set(sizes.values).count, 1, "all frames share one size: \(sizes)")
        XCTAssertEqual(sizes["0000.png"], [output.frameSize.width, output.frameSize.height])
        let first = try PNG.read(output.framesFolder!.appendingPathComponent("0000.png").path)
        let last = try PNG.read(output.framesFolder!.appendingPathComponent("0002.png").path)
        XCTAssertNotEqual(first.pixels, last.pixels, "the frames follow the run")

        // The GIF decodes to the same frames, loops, and rests on the last one.
        let gif = try DecodedGIF.read(try XCTUnwrap(output.gif).path)
        XCTAssertEqual([gif.width, gif.height, gif.frameCount], [output.frameSize.width, output.frameSize.height, 3])
        XCTAssertEqual(gif.loopCount, 0)
        XCTAssertEqual(gif.delays, [20, 20, 200], "5 fps, and two seconds on the last frame")
        // Frames without smooth regions map every pixel to its nearest palette entry: close to the PNG.
        let png = rgbBytes(of: last)
        let meanError = zip(png, gif.frames[2]).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(png.count)
        XCTAssertLessThan(meanError, 2.0, "mean difference between the GIF's last frame and frames/0002.png, in 8-bit levels")

        let page = try String(contentsOf: try XCTUnwrap(output.page), encoding: .utf8)
        XCTAssertTrue(page.contains("\"frames/0002.png\""))
        XCTAssertTrue(page.contains("epoch-slider"))
        XCTAssertFalse(page.contains("http://") && page.contains("src=\"http"), "no network references")
        XCTAssertEqual(runFiles(run), before, "replay writes only inside RUN/replay/")
        XCTAssertTrue(lines.contains { $0.hasPrefix("wrote 3 frames") }, "\(lines)")
    }

    func testReplayingAgainReplacesItsOwnOutputOnly() throws {
        let runs = try makeTemporaryFolder(self)
        let run = try SplatFixture.make(in: runs, name: "again", epochs: 2)
        let frames = run.appendingPathComponent("replay/frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        try Data("stale".utf8).write(to: frames.appendingPathComponent("0009.png"))
        try Data("mine".utf8).write(to: run.appendingPathComponent("replay/notes.txt"))
        _ = try replay(run, ReplayOptions(frames: true))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: frames.path).sorted(), ["0000.png", "0001.png", "0002.png"])
        XCTAssertEqual(try String(contentsOf: run.appendingPathComponent("replay/notes.txt"), encoding: .utf8), "mine")
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("replay/run.gif").path), "--frames alone")
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("replay/index.html").path))
    }

    func testGIFAloneLeavesNoFramesBehind() throws {
        let runs = try makeTemporaryFolder(self)
        let run = try SplatFixture.make(in: runs, name: "gif", epochs: 1)
        let (output, _) = try replay(run, ReplayOptions(gif: true, fps: 2))
        XCTAssertNil(output.framesFolder)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output.folder.path), ["run.gif"])
        XCTAssertEqual(try DecodedGIF.read(output.gif!.path).delays, [50, 200])
    }

    func testAnInterruptedRunReplaysWhatItHasAndSaysSo() throws {
        let run = try CNNFixture.interrupted()
        let (output, lines) = try replay(run, ReplayOptions(frames: true, html: true))
        XCTAssertEqual(try frameSizes(output.framesFolder!).keys.sorted(), ["0000.png", "0001.png"])
        let note = "This run was interrupted (stopped after epoch 1 of 3 as asked) after epoch 1; replaying its 2 snapshots."
        XCTAssertEqual(output.statusNotes, ["\(run.lastPathComponent): \(note)"])
        XCTAssertTrue(lines.contains("note: \(run.lastPathComponent): \(note)"), "\(lines)")
        let page = try String(contentsOf: output.page!, encoding: .utf8)
        XCTAssertTrue(page.contains("<p id=\"status\" class=\"status\">\(note)</p>"))
    }

    func testSplatFramesKeepOneErrorScaleSoTheErrorVisiblyFades() throws {
        let runs = try makeTemporaryFolder(self)
        let folder = try SplatFixture.make(in: runs, name: "fade", epochs: 3)
        let composer = try SplatFrames(run: ReplayRun.load(folder))
        XCTAssertEqual(composer.frameCount, 4)
        XCTAssertEqual(composer.smoothRegions.count, 3, "target, render and error are dithered in the GIF")
        let errorRegion = composer.smoothRegions[2]
        var brightness: [Float] = []
        for index in 0..<4 {
            let frame = try composer.frame(index)
            XCTAssertEqual([frame.width, frame.height], [composer.width, composer.height])
            let patch = frame.cropped(x: errorRegion.x, y: errorRegion.y, width: errorRegion.width, height: errorRegion.height)
            brightness.append(patch.luminance().reduce(0, +) / Float(patch.width * patch.height))
        }
        XCTAssertEqual(brightness, brightness.sorted(by: >), "the error map darkens epoch by epoch: \(brightness)")
        // The trainer's error falls to a small fraction of the untrained Gaussians'; on one shared
        // scale the map darkens to under a third.
        XCTAssertLessThan(brightness[3], brightness[0] / 3, "\(brightness)")
        // The scale comes from the first trained snapshot, so its map is far from black.
        XCTAssertGreaterThan(brightness[1], 0.15, "\(brightness)")
    }

    func testTwoRunsSideBySideHoldTheShorterOnesLastFrame() throws {
        let runs = try makeTemporaryFolder(self)
        let long = try SplatFixture.make(in: runs, name: "long", epochs: 3)
        let short = try SplatFixture.make(in: runs, name: "short", epochs: 1, finish: .failed, reason: "out of memory")
        let (output, lines) = try replay(long, ReplayOptions(frames: true, gif: true, compare: short))
        XCTAssertEqual(output.folder.path, long.appendingPathComponent("replay/compare-\(short.lastPathComponent)").path)
        let single = try SplatFrames(run: ReplayRun.load(long))
        XCTAssertEqual(output.frameCount, 4)
        XCTAssertEqual(output.frameSize.width, 2 * single.width + ComparisonFrames.divider)
        XCTAssertEqual(try frameSizes(output.framesFolder!).count, 4)
        XCTAssertEqual(try DecodedGIF.read(output.gif!.path).frameCount, 4)
        XCTAssertTrue(lines.contains { $0.contains("This run failed (out of memory) after epoch 1") }, "\(lines)")
        // The right half of frames 1, 2 and 3 is the short run's last snapshot, held.
        let right = { (index: Int) throws -> Image in
            let frame = try PNG.read(output.framesFolder!.appendingPathComponent(String(format: "%04d.png", index)).path)
            return frame.cropped(x: single.width + ComparisonFrames.divider, y: ComparisonFrames.barHeight + 80,
                                 width: single.width, height: single.height - 80)
        }
        XCTAssertEqual(try right(2).pixels, try right(3).pixels)
        XCTAssertNotEqual(try right(0).pixels, try right(1).pixels)
    }

    func testMistakesAreTypedSentences() throws {
        let runs = try makeTemporaryFolder(self)
        let empty = runs.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try RunReplay(folder: empty, options: ReplayOptions())) {
            XCTAssertEqual("\($0)", "'\(empty.path)' is not a run folder: it has no run.json.")
        }
        let missing = runs.appendingPathComponent("nope")
        XCTAssertThrowsError(try RunReplay(folder: missing, options: ReplayOptions())) {
            XCTAssertEqual("\($0)", "'\(missing.path)' is not a run folder: there is no such folder.")
        }
        let splat = try SplatFixture.make(in: runs, name: "s", epochs: 1)
        XCTAssertThrowsError(try RunReplay(folder: splat, options: ReplayOptions(fps: 0))) {
            XCTAssertEqual($0 as? ReplayError, .invalidFrameRate(0))
        }
        let cnn = try CNNFixture.completed()
        XCTAssertThrowsError(try RunReplay(folder: splat, options: ReplayOptions(compare: cnn))) {
            XCTAssertEqual("\($0)", "Cannot compare '\(splat.lastPathComponent)' (splat) with '\(cnn.lastPathComponent)' (cnn): both runs must be of the same kind.")
        }
        // A run with no snapshot yet.
        let store = try RunStore.create(in: runs, spec: .init(kind: "splat", name: "fresh", version: "test", config: [:], seed: 0,
                                                              metricColumns: ["epoch", "psnr"]))
        XCTAssertThrowsError(try RunReplay(folder: store.folder, options: ReplayOptions())) {
            XCTAssertEqual($0 as? ReplayError, .noSnapshots(path: store.folder.path))
        }
        // A file where the output folder goes is never replaced.
        try Data("mine".utf8).write(to: splat.appendingPathComponent("replay"))
        XCTAssertThrowsError(try RunReplay(folder: splat, options: ReplayOptions()).write()) {
            XCTAssertEqual($0 as? ReplayError, .outputBlocked(path: splat.appendingPathComponent("replay").path))
        }
        XCTAssertEqual(try String(contentsOf: splat.appendingPathComponent("replay"), encoding: .utf8), "mine")
    }
}

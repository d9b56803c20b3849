import Foundation
import XCTest
@testable import Storage

final class RunListingTests: XCTestCase {
    func testListsRunsNewestFirstWithStatusHeadlineAndAge() throws {
        let runs = try makeTemporaryFolder(self)
        let base = Date(timeIntervalSince1970: 1_750_000_000)

        let old = try RunStore.create(in: runs, spec: testSpec(name: "old"), now: base)
        try old.writeSnapshot(epoch: 0, metrics: ["test_acc": 0.17]) { _ in }
        try old.writeSnapshot(epoch: 1, metrics: ["test_acc": 0.9125]) { _ in }
        try old.finish(.completed, now: base + 60)

        var splatSpec = testSpec(kind: "splat")
        splatSpec.metricColumns = ["step", "psnr"]
        splatSpec.headline = nil  // the listing falls back to psnr for splat runs
        let crashed = try RunStore.create(in: runs, spec: splatSpec, now: base + 3600)
        try crashed.writeSnapshot(epoch: 0, metrics: ["psnr": 27.614]) { _ in }
        var manifest = crashed.manifest
        manifest.pid = Int32.max  // as if the process had died with kill -9
        try manifest.write(to: crashed.folder)

        let failed = try RunStore.create(in: runs, spec: testSpec(), now: base + 7200)
        try failed.fail(StorageError.readFailed(path: "data.bin", reason: "no such file"))

        let live = try RunStore.create(in: runs, spec: testSpec(name: "live"), now: base + 9000)

        try FileManager.default.createDirectory(at: runs.appendingPathComponent("scratch"), withIntermediateDirectories: false)
        let broken = runs.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: false)
        try Data("{\"kind\": ".utf8).write(to: broken.appendingPathComponent("run.json"))
        try Data("a stray file".utf8).write(to: runs.appendingPathComponent("notes.txt"))

        let now = base + 9000 + 180
        let summaries = try RunListing.collect(in: runs)
        XCTAssertEqual(summaries.count, 6, "every folder, readable or not; plain files skipped")
        let readable = summaries.filter { $0.record != nil }.map(\.folderName)
        XCTAssertEqual(readable, [live, failed, crashed, old].map { $0.folder.lastPathComponent }, "newest first")

        let text = RunListing.format(summaries, runsFolder: runs.path, now: now)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 7, text)
        XCTAssertTrue(lines[0].hasPrefix("KIND"), text)
        func line(_ folder: String) -> String { lines.first { $0.contains(folder) } ?? "" }
        let liveLine = line(live.folder.lastPathComponent)
        XCTAssertTrue(liveLine.hasPrefix("cnn"), liveLine)
        XCTAssertTrue(liveLine.contains("running") && liveLine.contains("3 min ago"), liveLine)
        let crashedLine = line(crashed.folder.lastPathComponent)
        XCTAssertTrue(crashedLine.contains("stale") && crashedLine.contains("psnr 27.61") && crashedLine.contains("1 h ago"), crashedLine)
        let oldLine = line(old.folder.lastPathComponent)
        XCTAssertTrue(oldLine.contains("completed") && oldLine.contains("test_acc 0.9125") && oldLine.contains("2 h ago"), oldLine)
        XCTAssertTrue(oldLine.contains("      1  "), "epochs done, right-aligned: \(oldLine)")
        let failedLine = line(failed.folder.lastPathComponent)
        XCTAssertTrue(failedLine.contains("failed") && failedLine.contains("data.bin"), failedLine)
        XCTAssertTrue(line("scratch").contains("unreadable") && line("scratch").contains("no run.json"), text)
        XCTAssertTrue(line("broken").contains("unreadable") && line("broken").contains("bad run.json"), text)
        XCTAssertFalse(text.contains("notes.txt"))

        // Aligned: the FOLDER column starts at the same offset on every line.
        let folderColumn = lines[0].range(of: "FOLDER")!.lowerBound.utf16Offset(in: lines[0])
        for (row, folder) in zip(lines.dropFirst(), summaries.map(\.folderName)) {
            XCTAssertEqual(row.range(of: folder)?.lowerBound.utf16Offset(in: row), folderColumn, row)
        }
    }

    func testMissingFolderIsOneClearError() {
        let missing = URL(fileURLWithPath: "/nonexistent/Runs")
        XCTAssertThrowsError(try RunListing.report(runsFolder: missing)) { error in
            XCTAssertEqual(error as? StorageError, .runsFolderMissing(path: missing.path))
            XCTAssertTrue(String(describing: error).contains("/nonexistent/Runs"))
        }
    }

    func testEmptyFolderSaysSo() throws {
        let runs = try makeTemporaryFolder(self)
        XCTAssertEqual(try RunListing.report(runsFolder: runs), "No runs in '\(runs.path)'.\n")
    }

    func testAges() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        XCTAssertEqual(RunListing.age(of: now + 30, now: now), "just now")
        XCTAssertEqual(RunListing.age(of: now - 2, now: now), "just now")
        XCTAssertEqual(RunListing.age(of: now - 42, now: now), "42 s ago")
        XCTAssertEqual(RunListing.age(of: now - 200, now: now), "3 min ago")
        XCTAssertEqual(RunListing.age(of: now - 5 * 3600 - 10, now: now), "5 h ago")
        XCTAssertEqual(RunListing.age(of: now - 86_400 - 5, now: now), "1 day ago")
        XCTAssertEqual(RunListing.age(of: now - 3 * 86_400, now: now), "3 days ago")
    }
}

import Foundation
import Storage
import XCTest
@testable import Replay

/// The run format seen from both sides: the trainers write exactly the files `RunKind` declares,
/// and replay reads no other.
final class RunFormatTests: XCTestCase {
    /// The files of `folder` itself (not below it), sorted.
    private func names(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    /// Files every run has, whatever its kind.
    private let storageFiles: Set = [RunStore.manifestFileName, RunStore.metricsFileName, RunStore.checkpointFileName,
                                     RunStore.epochsFolderName]

    func testThePagesPanelsAreFilesTheWritersDeclare() {
        for kind in RunKind.allCases {
            let panels = ReplayPage.panels(kind: kind).map(\.file)
            XCTAssertFalse(panels.isEmpty, "\(kind)")
            XCTAssertEqual(Set(panels).subtracting(kind.snapshotFiles), [], "\(kind): panels no writer declares")
        }
        XCTAssertTrue(ReplayPage.panels(kind: nil).isEmpty)
        XCTAssertEqual(RunKind(rawValue: "cnn"), .cnn)
        XCTAssertEqual(RunKind.allCases.map(\.headline), ["test_acc", "psnr"])
    }

    func testTheTrainersWriteExactlyTheDeclaredFiles() throws {
        let runs = try makeTemporaryFolder(self)
        let cases: [(RunKind, URL)] = [(.cnn, try CNNFixture.completed()), (.splat, try SplatFixture.make(in: runs, name: "files", epochs: 2))]
        for (kind, run) in cases {
            let record = try RunRecord.load(from: run)
            XCTAssertEqual(record.manifest.runKind, kind)
            XCTAssertEqual(record.headline?.name, kind.headline)
            let root = Set(try names(run)).subtracting(storageFiles).subtracting(["replay"])
            XCTAssertEqual(root, Set(kind.rootFiles), "\(kind): root files")
            let epochs = try names(run.appendingPathComponent(RunStore.epochsFolderName))
            XCTAssertEqual(epochs, ["0000", "0001", "0002"])
            let required = Set(kind.snapshotFiles).subtracting(kind == .cnn ? CNNSnapshotFile.occasional : [])
            for epoch in epochs {
                let files = Set(try names(run.appendingPathComponent(RunStore.epochsFolderName).appendingPathComponent(epoch)))
                XCTAssertEqual(files.subtracting(kind.snapshotFiles), [], "\(kind) \(epoch): files no constant declares")
                XCTAssertEqual(required.subtracting(files), [], "\(kind) \(epoch): declared files not written")
            }
        }
    }

    /// `ReplayRun.snapshotFile` and `rootFile`, the only ways the readers reach a run's files,
    /// assert that the name is declared for the kind; composing every frame and the page of a
    /// real run of each kind goes through every reader.
    func testEveryFileTheReadersOpenIsDeclared() throws {
        let runs = try makeTemporaryFolder(self)
        for folder in [try CNNFixture.interrupted(), try SplatFixture.make(in: runs, name: "reads", epochs: 1)] {
            let run = try ReplayRun.load(folder)
            let composer = try makeFrameComposer(for: run)
            for index in 0..<composer.frameCount { _ = try composer.frame(index) }
            let page = ReplayPage.data(run: run, curves: [], framesFolder: nil, fps: 1)
            let files = page["panels"].flatMap { panels -> [String]? in
                guard case let .array(items) = panels else { return nil }
                return items.compactMap { $0["file"]?.stringValue }
            } ?? []
            XCTAssertEqual(Set(files).subtracting(try XCTUnwrap(run.runKind).snapshotFiles), [])
            for epoch in run.epochs {
                for file in files {
                    XCTAssertTrue(FileManager.default.fileExists(atPath: run.snapshotFile(epoch: epoch, file).path),
                                  "\(run.kind) epoch \(epoch): the page shows \(file), which the trainer did not write")
                }
            }
        }
    }
    /// The interrupted runs in Tests/Fixtures/RunsBeforeTypedFormat, written before the names
    /// were constants: they hold only declared files, and replay as before (from a copy; the
    /// fixtures are never written).
    func testRunsWrittenBeforeTheConstantsStillReplay() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/RunsBeforeTypedFormat")
        let runs = try makeTemporaryFolder(self)
        for (name, kind, snapshots) in [("cnn-20261208-030350-old", RunKind.cnn, 2), ("splat-20261208-030354-old", .splat, 3)] {
            let copy = runs.appendingPathComponent(name)
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: copy)
            let root = Set(try names(copy)).subtracting(storageFiles)
            XCTAssertEqual(root, Set(kind.rootFiles), "\(kind): root files")
            let run = try ReplayRun.load(copy)
            XCTAssertEqual(run.runKind, kind)
            XCTAssertEqual(run.state, .interrupted)
            XCTAssertEqual(run.epochs, Array(0..<snapshots))
            for epoch in run.epochs {
                let folder = copy.appendingPathComponent(RunStore.epochsFolderName).appendingPathComponent(RunStore.epochFolderName(epoch))
                let files = Set(try names(folder))
                XCTAssertEqual(files.subtracting(kind.snapshotFiles), [], "\(kind) \(epoch): files no constant declares")
            }
            let replay = try RunReplay(folder: copy, options: ReplayOptions(frames: true, html: true))
            replay.log = { _ in }
            let output = try replay.write()
            XCTAssertEqual(output.frameCount, snapshots)
            let page = try String(contentsOf: try XCTUnwrap(output.page), encoding: .utf8)
            XCTAssertTrue(page.contains("\"../epochs/\""), "the page refers to the run's own snapshots")
        }
    }
}

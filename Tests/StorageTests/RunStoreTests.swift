import Foundation
import XCTest
@testable import Storage

/// A cnn-like spec for tests.
func testSpec(kind: String = "cnn", name: String? = nil) -> RunStore.Spec {
    RunStore.Spec(
        kind: kind, name: name, version: "0.1.0", argv: ["trainviz", kind, "--epochs", "3"],
        config: ["epochs": 3, "lr": 0.002, "optimizer": "adamw"], seed: 7,
        metricColumns: ["train_loss", "test_acc"], headline: "test_acc")
}

final class RunStoreTests: XCTestCase {
    // MARK: - Creating

    func testCreateLaysOutTheRunFolder() throws {
        let runs = try makeTemporaryFolder(self).appendingPathComponent("Runs")  // created on demand
        let now = Date(timeIntervalSince1970: 1_740_000_000)
        let store = try RunStore.create(in: runs, spec: testSpec(name: "wd 0.5"), now: now)

        let parts = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now)
        let stamp = String(format: "%04d%02d%02d-%02d%02d%02d", parts.year!, parts.month!, parts.day!,
                           parts.hour!, parts.minute!, parts.second!)
        XCTAssertEqual(store.folder.lastPathComponent, "cnn-\(stamp)-wd-0.5")
        XCTAssertEqual(folderContents(store.folder), ["epochs", "metrics.csv", "run.json"])
        XCTAssertEqual(try String(contentsOf: store.metricsURL, encoding: .utf8), "epoch,train_loss,test_acc\n")

        let manifest = try RunManifest.read(from: store.folder)
        XCTAssertEqual(manifest, store.manifest)
        XCTAssertEqual(manifest.kind, "cnn")
        XCTAssertEqual(manifest.name, "wd-0.5")
        XCTAssertEqual(manifest.status, .running)
        XCTAssertEqual(manifest.argv, ["trainviz", "cnn", "--epochs", "3"])
        XCTAssertEqual(manifest.config["lr"], .double(0.002))
        XCTAssertEqual(manifest.seed, 7)
        XCTAssertEqual(manifest.startedAt, now)
        XCTAssertNil(manifest.endedAt)
        XCTAssertEqual(manifest.epochsDone, 0)
        XCTAssertEqual(manifest.pid, getpid())
        XCTAssertFalse(manifest.hostname.isEmpty)
        // The manifest is plain JSON that anything can read.
        let json = try JSONValue.parse(Data(contentsOf: store.manifestURL))
        XCTAssertEqual(json["status"], "running")
        XCTAssertEqual(json["epochs_done"], 0)
        XCTAssertEqual(json["seed"], 7)
    }

    func testStoresCreatedInTheSameSecondNeverShareAFolder() throws {
        let runs = try makeTemporaryFolder(self)
        let now = Date(timeIntervalSince1970: 1_740_000_000)
        let first = try RunStore.create(in: runs, spec: testSpec(name: "a"), now: now)
        let firstManifest = try Data(contentsOf: first.manifestURL)
        let second = try RunStore.create(in: runs, spec: testSpec(name: "a"), now: now)
        let third = try RunStore.create(in: runs, spec: testSpec(name: "a"), now: now)
        XCTAssertEqual(second.folder.lastPathComponent, first.folder.lastPathComponent + "-2")
        XCTAssertEqual(third.folder.lastPathComponent, first.folder.lastPathComponent + "-3")
        XCTAssertEqual(try Data(contentsOf: first.manifestURL), firstManifest, "the first run is untouched")

        // Many at once, from several threads: every one gets its own folder.
        let lock = NSLock()
        var folders: [String] = []
        DispatchQueue.concurrentPerform(iterations: 12) { _ in
            let store = try? RunStore.create(in: runs, spec: testSpec(kind: "splat"), now: now)
            lock.lock()
            folders.append(store?.folder.lastPathComponent ?? "failed")
            lock.unlock()
        }
        XCTAssertEqual(Set(folders).count, 12, "\(folders)")
        XCTAssertFalse(folders.contains("failed"))
    }

    func testNamesAreSanitised() {
        XCTAssertEqual(RunStore.sanitizedName("my run/../x"), "my-run-..-x")
        XCTAssertEqual(RunStore.sanitizedName("../../etc"), "etc")
        XCTAssertEqual(RunStore.sanitizedName("ünïcode name!"), "n-code-name")
        XCTAssertEqual(RunStore.sanitizedName("v1.2_final"), "v1.2_final")
        XCTAssertNil(RunStore.sanitizedName(" / "))
        XCTAssertEqual(RunStore.sanitizedName(String(repeating: "x", count: 100))?.count, 64)
        XCTAssertEqual(RunStore.epochFolderName(7), "0007")
        XCTAssertEqual(RunStore.epochFolderName(1234), "1234")
    }

    func testRejectsBadMetricColumns() throws {
        let runs = try makeTemporaryFolder(self)
        var spec = testSpec()
        spec.metricColumns = ["loss", "a,b"]
        XCTAssertThrowsError(try RunStore.create(in: runs, spec: spec)) {
            XCTAssertEqual($0 as? StorageError, .invalidMetricColumn(name: "a,b"))
        }
        spec.metricColumns = ["loss"]
        XCTAssertThrowsError(try RunStore.create(in: runs, spec: spec)) {
            XCTAssertEqual($0 as? StorageError, .unknownMetric(name: "test_acc", columns: ["epoch", "loss"]))
        }
        XCTAssertEqual(folderContents(runs), [], "nothing created for a rejected spec")
    }

    // MARK: - Snapshots and metrics

    func testEachSnapshotLandsWholeWithItsMetricsRow() throws {
        let store = try RunStore.create(in: try makeTemporaryFolder(self), spec: testSpec())
        for epoch in 0...3 {
            let folder = try store.writeSnapshot(epoch: epoch, metrics: ["train_loss": 2 / Double(epoch + 1), "test_acc": 0.5 + Double(epoch) / 10]) { folder in
                XCTAssertTrue(folder.lastPathComponent.hasPrefix("."), "files go to a hidden staging folder first")
                try NPY.write(NDArray(shape: [2], values: [Float(epoch), 1]), to: folder.appendingPathComponent("conv1.npy"))
                try Data("x".utf8).write(to: folder.appendingPathComponent("plain.txt"))  // written without AtomicFile
            }
            XCTAssertEqual(folder.path, store.epochFolder(epoch).path)
            XCTAssertEqual(folderContents(folder), ["conv1.npy", "plain.txt"])
            XCTAssertEqual(try NPY.read(from: folder.appendingPathComponent("conv1.npy")).values, [Float(epoch), 1])

            // The row is on disk (and readable) as soon as the call returns.
            let table = try MetricsTable.read(from: store.metricsURL)
            XCTAssertEqual(table.rows.count, epoch + 1)
            XCTAssertEqual(table.column("epoch"), (0...epoch).map(Double.init))
            XCTAssertEqual(table.lastRow?["test_acc"] ?? .nan, 0.5 + Double(epoch) / 10, accuracy: 1e-12)
            let manifest = try RunManifest.read(from: store.folder)
            XCTAssertEqual(manifest.epochsDone, epoch)
            XCTAssertEqual(manifest.metrics["test_acc"] ?? .nan, 0.5 + Double(epoch) / 10, accuracy: 1e-12)
        }
        XCTAssertEqual(folderContents(store.epochsFolder), ["0000", "0001", "0002", "0003"])
    }

    func testMissingMetricIsAnEmptyCellAndUnknownMetricChangesNothing() throws {
        let store = try RunStore.create(in: try makeTemporaryFolder(self), spec: testSpec())
        try store.writeSnapshot(epoch: 0, metrics: ["train_loss": 1.5]) { _ in }
        XCTAssertEqual(try String(contentsOf: store.metricsURL, encoding: .utf8), "epoch,train_loss,test_acc\n0,1.5,nan\n")
        XCTAssertThrowsError(try store.writeSnapshot(epoch: 1, metrics: ["tset_acc": 1]) { _ in XCTFail("body must not run") }) {
            XCTAssertEqual($0 as? StorageError, .unknownMetric(name: "tset_acc", columns: ["epoch", "train_loss", "test_acc"]))
        }
        XCTAssertThrowsError(try store.writeSnapshot(epoch: 10_000, metrics: [:]) { _ in }) {
            XCTAssertEqual($0 as? StorageError, .invalidEpoch(epoch: 10_000))
        }
        XCTAssertEqual(folderContents(store.epochsFolder), ["0000"])
        XCTAssertEqual(try MetricsTable.read(from: store.metricsURL).rows.count, 1)
    }

    func testAFailingSnapshotLeavesNoFolderAndNoRow() throws {
        struct RenderFailed: Error {}
        let store = try RunStore.create(in: try makeTemporaryFolder(self), spec: testSpec())
        XCTAssertThrowsError(try store.writeSnapshot(epoch: 0, metrics: ["test_acc": 0.1]) { folder in
            try Data([1, 2, 3]).write(to: folder.appendingPathComponent("half.png"))
            throw RenderFailed()
        }) { XCTAssertTrue($0 is RenderFailed) }
        XCTAssertEqual(folderContents(store.epochsFolder), [], "no final folder and no staging folder")
        XCTAssertEqual(try MetricsTable.read(from: store.metricsURL).rows.count, 0)
        XCTAssertEqual(store.manifest.status, .running)
    }

    func testRewritingAnEpochReplacesItsFolderWholeAndDropsLaterOnes() throws {
        let store = try RunStore.create(in: try makeTemporaryFolder(self), spec: testSpec())
        for epoch in 0...2 {
            try store.writeSnapshot(epoch: epoch, metrics: ["test_acc": 0.1]) { try Data("old".utf8).write(to: $0.appendingPathComponent("old.txt")) }
        }
        try store.writeSnapshot(epoch: 1, metrics: ["test_acc": 0.9]) { try Data("new".utf8).write(to: $0.appendingPathComponent("new.txt")) }
        XCTAssertEqual(folderContents(store.epochsFolder), ["0000", "0001"])
        XCTAssertEqual(folderContents(store.epochFolder(0)), ["old.txt"])
        XCTAssertEqual(folderContents(store.epochFolder(1)), ["new.txt"])
        let table = try MetricsTable.read(from: store.metricsURL)
        XCTAssertEqual(table.column("epoch"), [0, 1], "no epoch twice")
        XCTAssertEqual(table.column("test_acc"), [0.1, 0.9])
        XCTAssertEqual(try RunManifest.read(from: store.folder).epochsDone, 1)
    }

    // MARK: - Status

    func testCompletedRunRecordsItsEndAndRefusesFurtherWrites() throws {
        let store = try RunStore.create(in: try makeTemporaryFolder(self), spec: testSpec())
        try store.writeSnapshot(epoch: 0, metrics: ["test_acc": 0.2]) { _ in }
        let end = Date(timeIntervalSince1970: 1_750_000_000)
        XCTAssertThrowsError(try store.finish(.running))
        try store.finish(.completed, now: end)
        let manifest = try RunManifest.read(from: store.folder)
        XCTAssertEqual(manifest.status, .completed)
        XCTAssertEqual(manifest.endedAt, end)
        XCTAssertNil(manifest.reason)
        XCTAssertThrowsError(try store.finish(.failed, reason: "late")) {
            guard case .invalidStatusChange? = $0 as? StorageError else { return XCTFail("\($0)") }
            XCTAssertTrue(String(describing: $0).contains("completed"))
        }
        XCTAssertThrowsError(try store.writeSnapshot(epoch: 1, metrics: [:]) { _ in })
        XCTAssertEqual(try RunManifest.read(from: store.folder).status, .completed)
    }

    func testFailedRunKeepsTheReason() throws {
        let store = try RunStore.create(in: try makeTemporaryFolder(self), spec: testSpec())
        try store.fail(StorageError.npyFortranOrder(path: "weights.npy"))
        let manifest = try RunManifest.read(from: store.folder)
        XCTAssertEqual(manifest.status, .failed)
        XCTAssertEqual(manifest.reason, StorageError.npyFortranOrder(path: "weights.npy").description)
        XCTAssertNotNil(manifest.endedAt)
    }

    func testInterruptedRunNamesTheSignal() throws {
        let store = try RunStore.create(in: try makeTemporaryFolder(self), spec: testSpec())
        try store.interrupt(by: SIGTERM)
        let manifest = try RunManifest.read(from: store.folder)
        XCTAssertEqual(manifest.status, .interrupted)
        XCTAssertEqual(manifest.reason, "interrupted by SIGTERM")
    }

    func testFinishTrainingNamesHowTheLoopEnded() throws {
        let folder = try makeTemporaryFolder(self)
        let cases: [(Int, Int32?, RunStatus, String?)] = [
            (20, nil, .completed, nil),
            (7, nil, .interrupted, "stopped after epoch 7 of 20 as asked"),
            (7, SIGINT, .interrupted, "interrupted by SIGINT"),
        ]
        for (epoch, signal, status, reason) in cases {
            let store = try RunStore.create(in: folder, spec: testSpec())
            try store.finishTraining(epoch: epoch, of: 20, signal: signal)
            let manifest = try RunManifest.read(from: store.folder)
            XCTAssertEqual(manifest.status, status)
            XCTAssertEqual(manifest.reason, reason)
        }
    }

    // MARK: - Resume

    func testResumeRewindsToTheCheckpointEpoch() throws {
        let runs = try makeTemporaryFolder(self)
        let store = try RunStore.create(in: runs, spec: testSpec())
        for epoch in 0...3 {
            try store.writeSnapshot(epoch: epoch, metrics: ["test_acc": Double(epoch)]) { _ in }
            if epoch == 2 {
                try store.writeCheckpoint(["w": try NDArray(shape: [3], values: [1, 2, 3])], epoch: 2, metadata: ["optimizer": "adamw"])
            }
        }
        try store.interrupt(by: SIGINT)
        // A snapshot cut short by kill -9 leaves a staging folder behind.
        try FileManager.default.createDirectory(at: store.epochsFolder.appendingPathComponent(".0004.partial-1"), withIntermediateDirectories: false)

        let resumedAt = Date(timeIntervalSince1970: 1_760_000_000)
        let resumed = try RunStore.open(at: store.folder, now: resumedAt)
        XCTAssertEqual(resumed.manifest.status, .running)
        XCTAssertNil(resumed.manifest.reason)
        XCTAssertNil(resumed.manifest.endedAt)
        XCTAssertEqual(resumed.manifest.resumedAt, [resumedAt])
        XCTAssertEqual(resumed.manifest.startedAt, store.manifest.startedAt)
        XCTAssertEqual(resumed.metricColumns, ["epoch", "train_loss", "test_acc"])
        XCTAssertEqual(folderContents(resumed.epochsFolder), ["0000", "0001", "0002", "0003"], "staging leftovers removed")

        let (checkpoint, epoch) = try resumed.readCheckpoint()
        XCTAssertEqual(epoch, 2)
        XCTAssertEqual(checkpoint.tensors["w"]?.values, [1, 2, 3])
        XCTAssertEqual(checkpoint.metadata["optimizer"], "adamw")
        try resumed.rewind(toEpoch: epoch)
        XCTAssertEqual(try MetricsTable.read(from: resumed.metricsURL).column("epoch"), [0, 1, 2])
        XCTAssertEqual(folderContents(resumed.epochsFolder), ["0000", "0001", "0002"])
        XCTAssertEqual(try RunManifest.read(from: resumed.folder).epochsDone, 2)
        XCTAssertEqual(try RunManifest.read(from: resumed.folder).metrics["test_acc"], 2)

        try resumed.writeSnapshot(epoch: 3, metrics: ["test_acc": 30]) { _ in }
        try resumed.finish(.completed)
        XCTAssertEqual(try MetricsTable.read(from: resumed.metricsURL).column("test_acc"), [0, 1, 2, 30])
        XCTAssertEqual(folderContents(runs).count, 1, "resume never creates a second folder")
    }

    func testOpenRefusesLiveRunsAndNonRuns() throws {
        let runs = try makeTemporaryFolder(self)
        let live = try RunStore.create(in: runs, spec: testSpec())
        XCTAssertThrowsError(try RunStore.open(at: live.folder)) {
            XCTAssertEqual($0 as? StorageError, .runStillActive(path: live.folder.path, pid: getpid(), hostname: live.manifest.hostname))
        }
        let missing = runs.appendingPathComponent("nope")
        XCTAssertThrowsError(try RunStore.open(at: missing)) {
            XCTAssertEqual($0 as? StorageError, .runFolderMissing(path: missing.path))
        }
        let empty = runs.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: false)
        XCTAssertThrowsError(try RunStore.open(at: empty)) {
            XCTAssertEqual($0 as? StorageError, .manifestMissing(path: empty.path))
        }
        try live.finish(.completed)
        XCTAssertThrowsError(try RunStore.open(at: live.folder).readCheckpoint()) {
            XCTAssertEqual($0 as? StorageError, .checkpointMissing(path: live.folder.path))
        }
    }

    func testInvalidManifestNamesTheProblem() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(#"{"kind": "cnn", "status": "exploded"}"#.utf8).write(to: folder.appendingPathComponent("run.json"))
        XCTAssertThrowsError(try RunManifest.read(from: folder)) { error in
            guard case .manifestInvalid(_, let detail)? = error as? StorageError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("status"), detail)
        }
        try Data("{not json".utf8).write(to: folder.appendingPathComponent("run.json"))
        XCTAssertThrowsError(try RunManifest.read(from: folder)) { error in
            XCTAssertTrue(String(describing: error).contains("run.json"), "\(error)")
        }
    }

    func testManifestRoundTripsEveryField() throws {
        let manifest = RunManifest(
            kind: "splat", name: "card", version: "1.0", argv: ["trainviz", "splat"], config: ["gaussians": 256],
            seed: UInt64.max, status: .failed, reason: "out of memory", startedAt: Date(timeIntervalSince1970: 1_700_000_000),
            endedAt: Date(timeIntervalSince1970: 1_700_000_100), resumedAt: [Date(timeIntervalSince1970: 1_700_000_050)],
            epochsDone: 12, headline: "psnr", metrics: ["psnr": 27.5, "bad": .nan], pid: 4242, hostname: "box",
            summary: ["layers": ["conv1", "fc"]])
        let back = try RunManifest.decode(manifest.encoded(), path: "run.json")
        var expected = manifest
        expected.metrics = ["psnr": 27.5]  // non-finite values are not recorded
        XCTAssertEqual(back, expected)
    }
}

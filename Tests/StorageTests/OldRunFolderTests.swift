import Foundation
import XCTest
@testable import Storage

/// Run folders written before `run.json` went through Foundation's Codable
/// (Tests/Fixtures/RunsBeforeTypedFormat) still read, reopen and round-trip.
final class OldRunFolderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/RunsBeforeTypedFormat")
    static let cnnName = "cnn-20261208-030350-old"
    static let splatName = "splat-20261208-030354-old"

    /// A copy of the fixture `name` in a fresh temporary folder (the fixture itself is never written).
    private func copy(_ name: String) throws -> URL {
        let destination = try makeTemporaryFolder(self).appendingPathComponent(name)
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: destination)
        return destination
    }

    private func time(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    func testTheOldCNNManifestDecodes() throws {
        let manifest = try RunManifest.read(from: try copy(Self.cnnName))
        XCTAssertEqual(manifest.kind, "cnn")
        XCTAssertEqual(manifest.name, "old")
        XCTAssertEqual(manifest.version, "0.1.0")
        XCTAssertEqual(manifest.argv.count, 16)
        XCTAssertEqual(manifest.argv.last, "1")
        XCTAssertEqual(manifest.seed, 0)
        XCTAssertEqual(manifest.status, .interrupted)
        XCTAssertEqual(manifest.reason, "interrupted by SIGINT")
        XCTAssertEqual(manifest.startedAt, time("2026-12-08T03:03:50Z"))
        XCTAssertEqual(manifest.endedAt, time("2026-12-08T03:03:51Z"))
        XCTAssertEqual(manifest.resumedAt, [])
        XCTAssertEqual(manifest.epochsDone, 1)
        XCTAssertEqual(manifest.headline, "test_acc")
        XCTAssertEqual(manifest.pid, 5578)
        XCTAssertEqual(manifest.hostname, "vm")
        XCTAssertEqual(manifest.metrics.count, 13)
        XCTAssertEqual(manifest.metrics["test_acc"], 0.125)
        XCTAssertEqual(manifest.metrics["epoch"], 1)
        XCTAssertEqual(manifest.config["lr"], .double(0.01))
        XCTAssertEqual(manifest.config["other_decay"]?.doubleValue, 0.0005)
        XCTAssertEqual(manifest.config["train_size"]?.intValue, 384)
        XCTAssertEqual(manifest.config["threads"]?.intValue, 1)
        XCTAssertEqual(manifest.config["retina"]?.stringValue, "centre-surround")
        XCTAssertEqual(manifest.summary?["total_parameters"]?.intValue, 34622)
        guard case .array(let layers)? = manifest.summary?["layers"] else { return XCTFail("summary.layers") }
        XCTAssertEqual(layers.count, 10)
        XCTAssertEqual(layers.first?["output"], [4, 32, 32])
    }

    func testTheOldSplatManifestDecodes() throws {
        let manifest = try RunManifest.read(from: try copy(Self.splatName))
        XCTAssertEqual(manifest.kind, "splat")
        XCTAssertEqual(manifest.status, .interrupted)
        XCTAssertEqual(manifest.epochsDone, 2)
        XCTAssertEqual(manifest.headline, "psnr")
        XCTAssertEqual(manifest.pid, 5748)
        XCTAssertEqual(manifest.metrics["step"], 200)
        XCTAssertEqual(manifest.metrics["psnr"], 28.5866119391387)
        XCTAssertEqual(manifest.config["target"], .null)
        XCTAssertEqual(manifest.config["steps_per_epoch"]?.intValue, 100)
        XCTAssertEqual(manifest.config["lr_scale"], .double(1))
        XCTAssertEqual(manifest.summary, ["channels": 3, "height": 32, "target": "test card", "width": 32])
    }

    func testRewritingAnOldManifestKeepsEveryValueAndItsKeys() throws {
        for name in [Self.cnnName, Self.splatName] {
            let folder = try copy(name)
            let oldText = try Data(contentsOf: folder.appendingPathComponent(RunStore.manifestFileName))
            let manifest = try RunManifest.read(from: folder)
            try manifest.write(to: folder)
            let newText = try Data(contentsOf: folder.appendingPathComponent(RunStore.manifestFileName))
            XCTAssertEqual(try RunManifest.read(from: folder), manifest, name)
            // The same document, key for key and value for value (`1.0` may now read `1`).
            XCTAssertEqual(try JSONValue.parse(newText), try JSONValue.parse(oldText), name)
            XCTAssertNotNil(String(data: newText, encoding: .utf8), "run.json stays UTF-8")
            // And the same text, except that whole doubles lose their `.0` (`"epoch": 1.0` → `1`).
            let expected = String(decoding: oldText, as: UTF8.self)
                .replacingOccurrences(of: #"(: -?[0-9]+)\.0(,?\n)"#, with: "$1$2", options: .regularExpression)
            XCTAssertEqual(String(decoding: newText, as: UTF8.self), expected, name)
        }
    }

    func testOldRunsReopenWithTheirMetricsAndCheckpoints() throws {
        let cnn = try copy(Self.cnnName)
        let store = try RunStore.open(at: cnn)
        XCTAssertEqual(store.manifest.status, .running)
        XCTAssertEqual(store.manifest.resumedAt.count, 1)
        XCTAssertEqual(store.manifest.kind, "cnn")
        let table = try MetricsTable.read(from: store.metricsURL)
        XCTAssertEqual(table.columns.first, "epoch")
        XCTAssertEqual(table.columns.count, 15)
        XCTAssertEqual(table.column("epoch"), [0, 1])
        XCTAssertEqual(table.column("test_acc"), [0.125, 0.125])
        XCTAssertTrue(table.column("orientation_resultant")!.allSatisfy(\.isNaN))
        let (file, epoch) = try store.readCheckpoint()
        XCTAssertEqual(epoch, 1)
        XCTAssertEqual(file.tensors["model.0.weight"]?.shape, [4, 3, 7, 7], "conv1")
        XCTAssertEqual(file.tensors["initial.conv1"]?.shape, [4, 3, 7, 7])
        XCTAssertEqual(try RunManifest.read(from: cnn), store.manifest, "the reopened manifest is on disk")

        let splat = try copy(Self.splatName)
        let splatStore = try RunStore.open(at: splat)
        XCTAssertEqual(try MetricsTable.read(from: splatStore.metricsURL).column("step"), [0, 100, 200])
        let (splatFile, splatEpoch) = try splatStore.readCheckpoint()
        XCTAssertEqual(splatEpoch, 2)
        XCTAssertEqual(splatFile.tensors["gaussians.means"]?.shape, [64, 2])
        // The checkpoint written back by the new encoder reads the same.
        let url = splat.appendingPathComponent("again.safetensors")
        try SafeTensors.write(splatFile, to: url)
        XCTAssertEqual(try SafeTensors.read(from: url), splatFile)
    }
}

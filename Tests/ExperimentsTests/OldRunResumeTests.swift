import Foundation
import XCTest
import Autograd
@testable import Experiments
import Storage

/// The interrupted cnn and splat runs in Tests/Fixtures/RunsBeforeTypedFormat, written before
/// the configurations became Codable, decode into the typed configurations and resume to the end.
final class OldRunResumeTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/RunsBeforeTypedFormat")
    private var folder: URL!
    private var threads = 0

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("old-runs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        threads = Parallelism.threads  // the trainers set it from the run's config
    }

    override func tearDownWithError() throws {
        Parallelism.threads = threads
        try? FileManager.default.removeItem(at: folder)
    }

    /// A copy of the fixture `name` in the temporary folder (the fixture itself is never written).
    private func copy(_ name: String) throws -> URL {
        let destination = folder.appendingPathComponent("copies").appendingPathComponent(name)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: destination)
        return destination
    }

    /// What the cnn fixture's run.json says, as a typed configuration.
    private var oldCNNConfig: CNNConfig {
        var c = CNNConfig()
        c.epochs = 3
        c.seed = 0
        c.trainSize = 384
        c.testSize = 32
        c.batch = 64
        c.optimizer = .sgd
        c.learningRate = 0.01
        c.weightDecay = 0.1
        c.otherDecay = 0.0005
        c.schedule = .cosine
        c.warmupEpochs = 0
        c.kernel = 7
        c.filters = 4
        c.gray = false
        c.threads = 1
        c.imageSize = 32
        c.conv1InitScale = 1
        c.conv1LearningRateScale = 1
        c.augment = true
        c.retina = .centreSurround
        return c
    }

    func testOldConfigsDecodeIntoTheTypedConfigurations() throws {
        let cnn = try RunManifest.read(from: try copy("cnn-20261208-030350-old"))
        XCTAssertEqual(try cnn.config(as: CNNConfig.self), oldCNNConfig)
        // Written back, the typed configuration is the same object, key for key.
        XCTAssertEqual(try JSONValue(encoding: oldCNNConfig), cnn.config)

        let splat = try RunManifest.read(from: try copy("splat-20261208-030354-old"))
        var expected = SplatConfig()
        expected.gaussians = 64
        expected.epochs = 3
        expected.stepsPerEpoch = 100
        expected.size = 32
        expected.threads = 1
        expected.seed = 0
        XCTAssertEqual(try splat.config(as: SplatConfig.self), expected)
        XCTAssertEqual(try JSONValue(encoding: expected), splat.config)
    }

    func testTheOldCNNRunResumesToTheSameWeightsAsAStraightRun() throws {
        let resumed = try CNNTrainer.resume(try copy("cnn-20261208-030350-old"))
        resumed.log = { _ in }
        resumed.showsProgress = false
        XCTAssertEqual(resumed.epoch, 1)
        XCTAssertEqual(resumed.config, oldCNNConfig)
        let metrics = try resumed.run()
        XCTAssertEqual(metrics.map(\.epoch), [2, 3])
        let manifest = try RunManifest.read(from: resumed.store.folder)
        XCTAssertEqual(manifest.status, .completed)
        XCTAssertEqual(manifest.epochsDone, 3)
        XCTAssertEqual(manifest.resumedAt.count, 1)
        XCTAssertEqual(try MetricsTable.read(from: resumed.store.metricsURL).column("epoch"), [0, 1, 2, 3])
        XCTAssertEqual(try manifest.config(as: CNNConfig.self), oldCNNConfig)

        // The same configuration, uninterrupted, in another folder (threads 1, as the fixture).
        let straight = try CNNTrainer(config: oldCNNConfig, runsFolder: folder, name: "straight")
        straight.log = { _ in }
        straight.showsProgress = false
        try straight.run()
        XCTAssertEqual(try RunManifest.read(from: straight.store.folder).status, .completed)
        XCTAssertEqual(resumed.model.conv1.weight.data.map(\.bitPattern), straight.model.conv1.weight.data.map(\.bitPattern),
                       "resumed and uninterrupted runs end on the same conv1 weights, bit for bit")
        let (resumedCheckpoint, epoch) = try resumed.store.readCheckpoint()
        let (straightCheckpoint, _) = try straight.store.readCheckpoint()
        XCTAssertEqual(epoch, 3)
        XCTAssertEqual(resumedCheckpoint.tensors["model.0.weight"]?.shape, [4, 3, 7, 7], "conv1 in the checkpoint")
        XCTAssertEqual(Set(resumedCheckpoint.tensors.keys), Set(straightCheckpoint.tensors.keys))
        XCTAssertEqual(resumedCheckpoint.tensors, straightCheckpoint.tensors, "every parameter and optimizer state agrees")
    }

    func testTheOldSplatRunResumesToTheEnd() throws {
        let trainer = try SplatTrainer.resume(try copy("splat-20261208-030354-old"))
        trainer.log = { _ in }
        trainer.showsProgress = false
        XCTAssertEqual(trainer.epoch, 2)
        let metrics = try trainer.run()
        XCTAssertEqual(metrics.map(\.epoch), [3])
        XCTAssertEqual(metrics.map(\.step), [300])
        let manifest = try RunManifest.read(from: trainer.store.folder)
        XCTAssertEqual(manifest.status, .completed)
        XCTAssertEqual(manifest.epochsDone, 3)
        XCTAssertEqual(try MetricsTable.read(from: trainer.store.metricsURL).column("epoch"), [0, 1, 2, 3])
        let (checkpoint, epoch) = try trainer.store.readCheckpoint()
        XCTAssertEqual(epoch, 3)
        XCTAssertEqual(checkpoint.tensors["gaussians.means"]?.shape, [64, 2])
        XCTAssertGreaterThan(metrics[0].psnr, 25, "the fit continues from where it stopped, not from scratch")
    }
}

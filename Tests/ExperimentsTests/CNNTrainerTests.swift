import Foundation
import XCTest
@testable import Autograd
@testable import Experiments
@testable import Storage

final class CNNTrainerTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cnn-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A configuration small enough for a debug build: 16×16 images, 5×5 kernels.
    private func smallConfig(epochs: Int = 5) -> CNNConfig {
        var c = CNNConfig()
        c.epochs = epochs
        c.trainSize = 768
        c.testSize = 96
        c.batch = 16
        c.kernel = 5
        c.filters = 6
        c.imageSize = 16
        c.seed = 5
        c.optimizer = .adamw
        c.learningRate = 3e-3
        c.weightDecay = 0.5
        c.otherDecay = 1e-4
        c.schedule = .constant
        return c
    }

    func testAShortRunLearnsAndWritesEverySnapshotFile() throws {
        let trainer = try CNNTrainer(config: smallConfig(), runsFolder: folder, name: "short")
        trainer.log = { _ in }
        trainer.showsProgress = false
        let metrics = try trainer.run()
        XCTAssertEqual(metrics.map(\.epoch), [0, 1, 2, 3, 4, 5])
        XCTAssertLessThan(metrics.last!.trainLoss, metrics.first!.trainLoss - 0.05, "loss should fall")
        // The kernels move from noise toward smooth structure.
        XCTAssertGreaterThan(metrics.last!.gabor.r2Median, metrics.first!.gabor.r2Median)
        for epoch in 0...5 {
            let dir = trainer.store.epochFolder(epoch)
            for file in ["conv1.npy", "conv1.png", "conv1_luma.png", "conv2.png", "gabor.csv", "gabor.png",
                         "orientation.png", "features.png", "stats.png"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(epoch)/\(file)")
            }
        }
        let conv1 = try NPY.read(from: trainer.store.epochFolder(5).appendingPathComponent("conv1.npy"))
        XCTAssertEqual(conv1.shape, [6, 3, 5, 5])
        XCTAssertEqual(conv1.values, trainer.model.conv1.weight.data)
        let table = try MetricsTable.read(from: trainer.store.metricsURL)
        XCTAssertEqual(table.rows.count, 6)
        for column in ["epoch", "train_loss", "train_acc", "test_acc", "gabor_r2_median", "gabor_r2_iqr",
                       "osi_median", "gabor_frac", "seconds", "orientation_resultant", "orientation_bins",
                       "weak_filters", "control_beaten"] {
            XCTAssertTrue(table.columns.contains(column), column)
        }
        // The orientation figures in metrics.csv are the summary's.
        let last = table.rows.last!, spread = metrics.last!.gabor.spread
        XCTAssertEqual(last[table.columns.firstIndex(of: "orientation_bins")!], Double(spread.binsCovered))
        XCTAssertEqual(last[table.columns.firstIndex(of: "weak_filters")!], Double(spread.weak.count))
        XCTAssertEqual(last[table.columns.firstIndex(of: "control_beaten")!],
                       Double(metrics.last!.control!.kernels.filter(\.beatsControl).count))
        XCTAssertTrue(table.rows[2][table.columns.firstIndex(of: "control_beaten")!].isNaN, "no control in between")
        XCTAssertEqual(trainer.store.manifest.config["retina"]?.stringValue, "centre-surround")
        let gaborCSV = try String(contentsOf: trainer.store.epochFolder(5).appendingPathComponent("gabor.csv"), encoding: .utf8)
        XCTAssertEqual(gaborCSV.split(separator: "\n").count, 7)
        // The phase-randomised control runs at the first and the last epoch only.
        for epoch in 0...5 {
            let path = trainer.store.epochFolder(epoch).appendingPathComponent("gabor_control.csv").path
            XCTAssertEqual(FileManager.default.fileExists(atPath: path), epoch == 0 || epoch == 5, "epoch \(epoch)")
        }
        XCTAssertEqual(metrics.last!.control?.kernels.count, 6)
        XCTAssertEqual(trainer.store.manifest.status, .completed)
    }

    func testResumingContinuesToTheSameNumbers() throws {
        let config = smallConfig(epochs: 2)
        let straight = try CNNTrainer(config: config, runsFolder: folder, name: "straight")
        straight.log = { _ in }
        straight.showsProgress = false
        try straight.run()

        let first = try CNNTrainer(config: config, runsFolder: folder, name: "stopped")
        first.log = { _ in }
        first.showsProgress = false
        try first.run(stoppingAfter: 1)
        XCTAssertEqual(first.store.manifest.status, .interrupted)

        let resumed = try CNNTrainer.resume(first.store.folder)
        resumed.log = { _ in }
        resumed.showsProgress = false
        XCTAssertEqual(resumed.epoch, 1)
        try resumed.run()
        for ((name, a), (_, b)) in zip(straight.model.network.namedParameters, resumed.model.network.namedParameters) {
            XCTAssertEqual(a.data, b.data, "parameter \(name) differs after resuming")
        }
        let rows = try MetricsTable.read(from: resumed.store.metricsURL).rows
        let straightRows = try MetricsTable.read(from: straight.store.metricsURL).rows
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows.map { $0[2] }, straightRows.map { $0[2] }, "train accuracy per epoch")
    }

    func testBadOptionsAreRefusedWithASentence() {
        var c = CNNConfig()
        c.epochs = 0
        XCTAssertThrowsError(try c.validate()) {
            XCTAssertEqual("\($0)", "--epochs must be a positive whole number, not 0.")
        }
        c = CNNConfig()
        c.batch = -3
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual("\($0)", "--batch must be a positive whole number, not -3.") }
        c = CNNConfig()
        c.kernel = 4
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual("\($0)", "--kernel must be an odd size from 3 to 15, not 4.") }
        c.kernel = 1
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual("\($0)", "--kernel must be an odd size from 3 to 15, not 1.") }
        c = CNNConfig()
        c.learningRate = -1
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual("\($0)", "--lr must be a positive number, not -1.0.") }
    }

    func testFirstLayerScalesAreAppliedRecordedAndValidated() throws {
        var c = smallConfig(epochs: 1)
        let plain = CNNTrainer.makeModel(c).conv1.weight.data
        c.conv1InitScale = 0.25
        c.conv1LearningRateScale = 3
        let scaled = CNNTrainer.makeModel(c).conv1.weight.data
        for (a, b) in zip(plain, scaled) { XCTAssertEqual(b, a * 0.25, accuracy: 1e-7) }
        XCTAssertEqual(try JSONValue(encoding: c).decode(CNNConfig.self), c)
        var old = try JSONValue(encoding: c)
        if case .object(var members) = old {  // a manifest written before these options existed
            members["conv1_init_scale"] = nil
            members["conv1_lr_scale"] = nil
            old = .object(members)
        }
        XCTAssertEqual(try old.decode(CNNConfig.self).conv1InitScale, 1)
        c.conv1InitScale = 0
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual("\($0)", "--conv1-init-scale must be a positive number, not 0.0.") }
    }

    func testTheRetinaIsRecordedAndOldManifestsReadAsNone() throws {
        // SGD's first-layer decay follows the retina unless given; the manifest keeps the value used.
        var defaults = CNNConfig()
        XCTAssertEqual(defaults.retina, .centreSurround)
        XCTAssertEqual(defaults.effectiveWeightDecay, 0.1)
        defaults.retina = .none
        XCTAssertEqual(defaults.effectiveWeightDecay, 0.05)
        XCTAssertEqual(try JSONValue(encoding: defaults)["weight_decay"]?.doubleValue, 0.05)
        var c = smallConfig(epochs: 1)
        for retina in Retina.allCases {
            c.retina = retina
            XCTAssertEqual(try JSONValue(encoding: c).decode(CNNConfig.self), c)
        }
        guard case .object(var members) = try JSONValue(encoding: c) else { return XCTFail("config is an object") }
        members["retina"] = nil   // a manifest written before the retina stage
        XCTAssertEqual(try JSONValue.object(members).decode(CNNConfig.self).retina, Retina.none)
        members["retina"] = .string("fovea")
        XCTAssertThrowsError(try JSONValue.object(members).decode(CNNConfig.self)) {
            XCTAssertEqual("\($0)", "Cannot resume that run: its run.json names no known retina 'fovea'.")
        }
    }

    func testTheTrainerFeedsRetinaFilteredNormalisedImages() throws {
        var c = smallConfig(epochs: 1)
        c.retina = .centreSurround
        let filtered = try CNNTrainer(config: c, runsFolder: folder, name: "retina")
        var raw = ShapesGenerator.generate(count: c.trainSize, seed: c.seed, size: c.imageSize)
        Retina.centreSurround.apply(to: &raw)
        let statistics = ChannelStatistics(of: raw)
        statistics.normalise(&raw)
        XCTAssertEqual(filtered.statistics, statistics)
        XCTAssertEqual(filtered.batch(filtered.train, [3]).0.data, Array(raw.images[(3 * raw.imageStride)..<(4 * raw.imageStride)]))
    }

    func testAugmentedBatchesHoldPosedCopiesAndTheSameLabels() throws {
        var c = smallConfig(epochs: 1)
        c.augment = true
        let trainer = try CNNTrainer(config: c, runsFolder: folder, name: "augment")
        let indices = [3, 0, 7]
        let (plain, labels) = trainer.batch(trainer.train, indices)
        let (posed, posedLabels) = trainer.batch(trainer.train, indices, poses: [0, 5, 2])
        XCTAssertEqual(posedLabels, labels)
        let side = c.imageSize, plane = side * side, stride = 3 * plane
        XCTAssertEqual(Array(posed.data[0..<stride]), Array(plain.data[0..<stride]), "pose 0 is the image as drawn")
        for ch in 0..<3 {
            for y in 0..<side {
                for x in 0..<side {
                    // pose 5 = transpose then mirror left–right; pose 2 = mirror top–bottom.
                    XCTAssertEqual(posed.data[stride + ch * plane + y * side + x],
                                   plain.data[stride + ch * plane + x * side + (side - 1 - y)])
                    XCTAssertEqual(posed.data[2 * stride + ch * plane + y * side + x],
                                   plain.data[2 * stride + ch * plane + (side - 1 - y) * side + x])
                }
            }
        }
        XCTAssertEqual(try JSONValue(encoding: c).decode(CNNConfig.self), c)
        var old = try JSONValue(encoding: c)
        if case .object(var members) = old {  // a manifest written before augmentation existed
            members["augment"] = nil
            old = .object(members)
        }
        XCTAssertFalse(try old.decode(CNNConfig.self).augment, "runs from before trained without it")
    }

    func testModelSummaryOfCNNA() {
        var rng = SeededRandom(seed: 0)
        let summary = CNNTrainer.modelSummary(CNNA(rng: &rng), config: CNNConfig())
        XCTAssertEqual(summary.totalParameters, 2_368 + 12_832 + 131_136 + 390)
        XCTAssertEqual(summary.receptiveField, 16)
        XCTAssertEqual(summary.rows.first?.output, [16, 32, 32])
        XCTAssertEqual(summary.rows.last?.output, [6])
    }
}

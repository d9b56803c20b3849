import Foundation
import XCTest
@testable import Experiments
@testable import Storage

final class DivergenceGuardTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("diverge-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testALossThatFallsNeverTrips() throws {
        var guardian = DivergenceGuard(advice: "try a smaller --lr")
        for step in 1...500 { try guardian.check(1.8 * exp(-Double(step) / 50) + 0.1 * sin(Double(step)), epoch: 1, step: step) }
        XCTAssertEqual(guardian.reference, 1.8 * exp(-1 / 50.0) + 0.1 * sin(1))
    }

    func testNonFiniteLossTripsAtOnceWithTheNumbers() {
        var guardian = DivergenceGuard(advice: "try a smaller --lr")
        XCTAssertNoThrow(try guardian.check(1.79, epoch: 1, step: 1))
        XCTAssertThrowsError(try guardian.check(.nan, epoch: 1, step: 2)) {
            XCTAssertEqual("\($0)", "Training diverged at epoch 1, step 2: loss nan from 1.79; try a smaller --lr.")
        }
    }

    func testOnlyASustainedBlowUpTrips() throws {
        var guardian = DivergenceGuard(advice: "try a smaller --lr")
        try guardian.check(1.79, epoch: 1, step: 1)
        // Four steps far above the start, then one back down: a spike, not divergence.
        for step in 2...5 { try guardian.check(50, epoch: 1, step: step) }
        try guardian.check(1.5, epoch: 1, step: 6)
        for step in 7...10 { try guardian.check(3.3e5, epoch: 1, step: step) }
        XCTAssertThrowsError(try guardian.check(3.3e5, epoch: 2, step: 11)) {
            XCTAssertEqual("\($0)", "Training diverged at epoch 2, step 11: loss 3.3e+05 from 1.79; try a smaller --lr.")
        }
    }

    /// `trainviz cnn --lr 100`, small: the run stops, says why, keeps epoch 0 and is marked failed.
    func testACNNRunWithAHugeLearningRateFailsWithTheReason() throws {
        var c = CNNConfig()
        c.epochs = 2
        c.trainSize = 256
        c.testSize = 32
        c.batch = 16
        c.kernel = 5
        c.filters = 4
        c.imageSize = 16
        c.learningRate = 100
        let trainer = try CNNTrainer(config: c, runsFolder: folder)
        trainer.log = { _ in }
        trainer.showsProgress = false
        XCTAssertThrowsError(try trainer.run()) { error in
            guard case .diverged(let epoch, _, _, _, let advice)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(epoch, 1)
            XCTAssertEqual(advice, "try a smaller --lr")
        }
        let manifest = try RunManifest.read(from: trainer.store.folder)
        XCTAssertEqual(manifest.status, .failed)
        XCTAssertTrue(manifest.reason?.hasPrefix("Training diverged at epoch 1, step ") == true, manifest.reason ?? "")
        XCTAssertEqual(try MetricsTable.read(from: trainer.store.metricsURL).column("epoch"), [0], "epoch 0 is kept")
    }

    /// `trainviz splat --lr-scale 1e6`, small: every Gaussian is thrown out of the image.
    func testASplatRunThatLosesEveryGaussianFailsWithTheReason() throws {
        var c = SplatConfig()
        c.size = 32
        c.gaussians = 64
        c.epochs = 2
        c.stepsPerEpoch = 20
        c.learningRateScale = 1e6
        let trainer = try SplatTrainer(config: c, runsFolder: folder)
        trainer.log = { _ in }
        trainer.showsProgress = false
        XCTAssertThrowsError(try trainer.run()) { error in
            XCTAssertTrue("\(error)".contains("every Gaussian has left the image or faded out")
                          || "\(error)".hasPrefix("Training diverged at epoch 1"), "\(error)")
        }
        XCTAssertEqual(try RunManifest.read(from: trainer.store.folder).status, .failed)
    }
}

extension DivergenceGuardTests {
    func testAFloorKeepsANearPerfectStartFromTripping() throws {
        var guardian = DivergenceGuard(advice: "try a smaller --lr-scale", floor: 0.01)
        try guardian.check(1.2e-15, epoch: 1, step: 1)
        for step in 2...20 { try guardian.check(4e-4, epoch: 1, step: step) }
        for step in 21...24 { try guardian.check(0.5, epoch: 1, step: step) }
        XCTAssertThrowsError(try guardian.check(0.5, epoch: 1, step: 25))
    }
}

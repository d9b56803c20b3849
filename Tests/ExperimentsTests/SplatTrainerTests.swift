import Foundation
import XCTest
@testable import Experiments
import Imaging
import Splatting
import Storage

final class SplatTrainerTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("splat-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A fit small enough for a debug build: the 32×32 test card, 64 Gaussians.
    private func smallConfig(epochs: Int = 4, steps: Int = 25) -> SplatConfig {
        var c = SplatConfig()
        c.size = 32
        c.gaussians = 64
        c.epochs = epochs
        c.stepsPerEpoch = steps
        c.seed = 3
        return c
    }

    private func quiet(_ trainer: SplatTrainer) -> SplatTrainer {
        trainer.log = { _ in }
        trainer.showsProgress = false
        return trainer
    }

    func testATinyFitLearnsAndWritesEverySnapshotFile() throws {
        var config = smallConfig()
        config.renderScale = 2
        let trainer = quiet(try SplatTrainer(config: config, runsFolder: folder, name: "tiny"))
        let metrics = try trainer.run()
        XCTAssertEqual(metrics.map(\.epoch), [0, 1, 2, 3, 4])
        XCTAssertEqual(metrics.map(\.step), [0, 25, 50, 75, 100])
        XCTAssertGreaterThan(metrics.last!.psnr, metrics.first!.psnr + 5, "PSNR should rise clearly")
        XCTAssertLessThan(metrics.last!.loss, metrics.first!.loss / 3)
        XCTAssertGreaterThan(metrics.last!.ssim, metrics.first!.ssim)
        XCTAssertTrue(metrics.allSatisfy { $0.gaussians == 64 })

        let store = trainer.store
        for epoch in 0...4 {
            let dir = store.epochFolder(epoch)
            let render = try PNG.read(dir.appendingPathComponent("render.png").path)
            XCTAssertEqual([render.width, render.height, render.channels], [32, 32, 3])
            let ellipses = try PNG.read(dir.appendingPathComponent("gaussians.png").path)
            XCTAssertGreaterThanOrEqual(ellipses.width, 32 * SplatSnapshot.ellipseScale(width: 32, height: 32))
            let error = try PNG.read(dir.appendingPathComponent("error.png").path)
            XCTAssertGreaterThan(error.width, 32, "the heat map comes with its colour bar")
            let csv = try String(contentsOf: dir.appendingPathComponent("gaussians.csv"), encoding: .utf8)
            let lines = csv.split(separator: "\n")
            XCTAssertEqual(lines.first, "x,y,sigma_x,sigma_y,angle_deg,l11,l21,l22,r,g,b")
            XCTAssertEqual(lines.count, 65)
        }
        let table = try MetricsTable.read(from: store.metricsURL)
        XCTAssertEqual(Array(table.columns.prefix(7)), ["epoch", "step", "loss", "psnr", "ssim", "gaussians", "seconds"])
        XCTAssertEqual(table.rows.count, 5)
        XCTAssertEqual(store.manifest.status, .completed)
        XCTAssertEqual(store.manifest.headline, "psnr")
        XCTAssertEqual(store.manifest.metrics["psnr"]!, metrics.last!.psnr, accuracy: 1e-9)

        let target = try PNG.read(store.folder.appendingPathComponent("target.png").path)
        XCTAssertEqual(target.pixels, trainer.target.pixels, "target.png holds the working target exactly")
        let final = try PNG.read(store.folder.appendingPathComponent("render.png").path)
        XCTAssertEqual([final.width, final.height], [64, 64], "--render-scale 2")
        let rootCSV = try String(contentsOf: store.folder.appendingPathComponent("gaussians.csv"), encoding: .utf8)
        XCTAssertEqual(rootCSV, trainer.cloud.csv)
    }

    func testResumingContinuesToTheSameNumbers() throws {
        let config = smallConfig(epochs: 3, steps: 10)
        let straight = quiet(try SplatTrainer(config: config, runsFolder: folder, name: "straight"))
        try straight.run()

        let first = quiet(try SplatTrainer(config: config, runsFolder: folder, name: "stopped"))
        try first.run(stoppingAfter: 1)
        XCTAssertEqual(first.store.manifest.status, .interrupted)

        let resumed = quiet(try SplatTrainer.resume(first.store.folder))
        XCTAssertEqual(resumed.epoch, 1)
        XCTAssertEqual(resumed.step, 10)
        try resumed.run()
        XCTAssertEqual(resumed.cloud, straight.cloud, "parameters differ after resuming")
        let rows = try MetricsTable.read(from: resumed.store.metricsURL).column("psnr")!
        let straightRows = try MetricsTable.read(from: straight.store.metricsURL).column("psnr")!
        XCTAssertEqual(rows, straightRows)
        XCTAssertEqual(resumed.store.manifest.status, .completed)
    }

    func testGrowingStaysWithinTheBudgetAddsGaussiansAndResumesExactly() throws {
        var config = smallConfig(epochs: 4, steps: 10)
        config.grow = true
        config.gaussians = 48
        let trainer = quiet(try SplatTrainer(config: config, runsFolder: folder, name: "grow"))
        let metrics = try trainer.run()
        let counts = metrics.map(\.gaussians)
        XCTAssertEqual(counts.first, Int(48 * SplatGrowth.initialFraction), "the plan's share of the budget to start")
        XCTAssertTrue(counts.allSatisfy { $0 <= 48 }, "\(counts)")
        XCTAssertGreaterThan(counts.last!, 36, "\(counts)")
        XCTAssertGreaterThan(metrics.last!.psnr, metrics.first!.psnr)

        let first = quiet(try SplatTrainer(config: config, runsFolder: folder, name: "grow-stopped"))
        try first.run(stoppingAfter: 1)
        let resumed = quiet(try SplatTrainer.resume(first.store.folder))
        try resumed.run()
        XCTAssertEqual(resumed.cloud, trainer.cloud, "growth rounds after a resume land the same")
    }

    func testAOnePixelTargetRuns() throws {
        let path = folder.appendingPathComponent("dot.png").path
        try Image(width: 1, height: 1, color: Color(r: 0.2, g: 0.6, b: 0.9)).write(toPNG: path)
        var config = smallConfig(epochs: 2, steps: 10)
        config.target = path
        config.size = nil
        config.gaussians = 3
        config.grow = true
        let trainer = quiet(try SplatTrainer(config: config, runsFolder: folder, name: "dot"))
        let metrics = try trainer.run()
        XCTAssertEqual(metrics.count, 3)
        // One pixel is fitted exactly by the least-squares colour scale; training keeps it close.
        XCTAssertGreaterThan(metrics.first!.psnr, 40)
        XCTAssertGreaterThan(metrics.last!.psnr, 30)
        XCTAssertEqual(trainer.store.manifest.status, .completed)
        let render = try PNG.read(trainer.store.folder.appendingPathComponent("render.png").path)
        XCTAssertEqual([render.width, render.height], [1, 1])
    }

    func testNoMoreGaussiansThanPixels() throws {
        let path = folder.appendingPathComponent("dot.png").path
        try Image(width: 1, height: 1, color: Color(r: 0.8, g: 0.1, b: 0.2)).write(toPNG: path)
        var config = smallConfig(epochs: 2, steps: 10)
        config.target = path
        config.size = nil
        config.gaussians = 4096
        let trainer = quiet(try SplatTrainer(config: config, runsFolder: folder, name: "dot"))
        XCTAssertEqual(trainer.config.gaussians, 1)
        XCTAssertEqual(try trainer.store.manifest.config(as: SplatConfig.self).gaussians, 1, "the run records the count it used")
        let metrics = try trainer.run()
        // 4,096 Gaussians on one pixel pushed each other out of the image and stayed at 6.6 dB.
        XCTAssertGreaterThan(metrics.last!.psnr, 30)
    }

    func testGrayFitHasOneChannelEverywhere() throws {
        var config = smallConfig(epochs: 1, steps: 5)
        config.color = .gray
        config.shape = .isotropic
        let trainer = quiet(try SplatTrainer(config: config, runsFolder: folder, name: "gray"))
        try trainer.run()
        XCTAssertEqual(trainer.cloud.channels, 1)
        XCTAssertEqual(trainer.cloud.shapeValues.count, 64)
        let render = try PNG.read(trainer.store.epochFolder(1).appendingPathComponent("render.png").path)
        XCTAssertEqual(render.channels, 1)
        let csv = try String(contentsOf: trainer.store.folder.appendingPathComponent("gaussians.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("x,y,sigma_x,sigma_y,angle_deg,l11,l21,l22,gray\n"))
    }
}

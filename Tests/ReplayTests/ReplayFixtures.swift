import Experiments
import Foundation
import Imaging
import Storage
import XCTest

/// A fresh temporary folder, removed when the test ends.
func makeTemporaryFolder(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ReplayTests-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Every file below `folder` (relative paths, sorted), leaving out `replay/`.
func runFiles(_ folder: URL) -> [String] {
    let walker = FileManager.default.enumerator(atPath: folder.path)
    var files: [String] = []
    while let path = walker?.nextObject() as? String {
        if path == "replay" || path.hasPrefix("replay/") { continue }
        files.append(path)
    }
    return files.sorted()
}

/// Real cnn runs, trained once for the whole test run with a configuration small enough for a
/// debug build (16×16 images, six 5×5 kernels).
enum CNNFixture {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var made: [String: URL] = [:]
    private static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ReplayTests-cnn-\(getpid())")

    static func config(epochs: Int) -> CNNConfig {
        var c = CNNConfig()
        c.epochs = epochs
        c.trainSize = 256
        c.testSize = 64
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

    /// A completed 2-epoch run (snapshots 0, 1, 2).
    static func completed() throws -> URL { try make("done", epochs: 2, stopAfter: nil) }

    /// A 3-epoch run interrupted after epoch 1 (snapshots 0, 1; status interrupted).
    static func interrupted() throws -> URL { try make("stopped", epochs: 3, stopAfter: 1) }

    private static func make(_ name: String, epochs: Int, stopAfter: Int?) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let url = made[name] { return url }
        if made.isEmpty { atexit { try? FileManager.default.removeItem(at: CNNFixture.folder) } }
        let trainer = try CNNTrainer(config: config(epochs: epochs), runsFolder: folder, name: name)
        trainer.log = { _ in }
        trainer.showsProgress = false
        try trainer.run(stoppingAfter: stopAfter)
        made[name] = trainer.store.folder
        return trainer.store.folder
    }
}

/// A synthetic splat run written with Storage's types, to the splat contract (DESIGN §2):
/// root `target.png`; per epoch `render.png`, `error.png`, `gaussians.png`, `gaussians.csv`;
/// metrics `epoch, step, loss, psnr, ssim, gaussians, seconds`. The render moves from flat grey
/// towards the target as epochs pass, so the error falls (to a tenth of its start).
enum SplatFixture {
    static let width = 48, height = 40

    static func target() -> Image {
        var image = Image(width: width, height: height, channels: 3)
        for y in 0..<height {
            for x in 0..<width {
                let u = Float(x) / Float(width - 1), v = Float(y) / Float(height - 1)
                let inSquare = x > 8 && x < 22 && y > 10 && y < 26
                image[x: x, y: y, c: 0] = inSquare ? 0.9 : 0.2 + 0.6 * u
                image[x: x, y: y, c: 1] = inSquare ? 0.1 : 0.3 + 0.4 * v
                image[x: x, y: y, c: 2] = inSquare ? 0.1 : 0.8 - 0.5 * u * v
            }
        }
        return image
    }

    /// Writes the run and returns its folder. `finish` nil leaves it `running` (by this process).
    @discardableResult
    static func make(in runsFolder: URL, name: String, epochs: Int, finish status: RunStatus? = .completed,
                     reason: String? = nil, config extra: [String: JSONValue] = [:]) throws -> URL {
        var config: [String: JSONValue] = ["epochs": .int(epochs), "gaussians": 64, "shape": "anisotropic", "loss": "l2"]
        config.merge(extra) { $1 }
        let store = try RunStore.create(in: runsFolder, spec: .init(
            kind: "splat", name: name, version: "test", argv: ["trainviz", "splat"], config: .object(config), seed: 0,
            metricColumns: ["epoch", "step", "loss", "psnr", "ssim", "gaussians", "seconds"], headline: "psnr"))
        let target = target()
        try PNG.write(target, to: store.folder.appendingPathComponent("target.png").path)
        for epoch in 0...epochs {
            let t = Float(epoch) / Float(max(epochs, 1))
            var render = target
            for i in render.pixels.indices { render.pixels[i] = 0.5 + (target.pixels[i] - 0.5) * (0.3 + 0.6 * t) }
            var mse: Double = 0
            for i in render.pixels.indices { mse += Double((render.pixels[i] - target.pixels[i]) * (render.pixels[i] - target.pixels[i])) }
            mse /= Double(render.pixels.count)
            let error = zip(render.pixels, target.pixels).map { abs($0 - $1) }
            let errorMap = Heatmap(values: stride(from: 0, to: error.count, by: 3).map { error[$0] }, rows: height, columns: width,
                                   title: "error", label: "|error|").render()
            try store.writeSnapshot(epoch: epoch, metrics: [
                "step": Double(epoch * 50), "loss": mse, "psnr": 10 * log10(1 / mse), "ssim": 0.5 + 0.4 * Double(t),
                "gaussians": Double(64 + 8 * epoch), "seconds": Double(epoch),
            ]) { folder in
                try PNG.write(render, to: folder.appendingPathComponent("render.png").path)
                try errorMap.write(toPNG: folder.appendingPathComponent("error.png").path)
                try PNG.write(render.resized(width: width * 2, height: height * 2), to: folder.appendingPathComponent("gaussians.png").path)
                try Data("x,y,sx,sy,theta,r,g,b\n1,2,1,1,0,0.5,0.5,0.5\n".utf8).write(to: folder.appendingPathComponent("gaussians.csv"))
            }
        }
        if let status { try store.finish(status, reason: reason) }
        return store.folder
    }
}

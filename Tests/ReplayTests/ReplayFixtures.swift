import Experiments
import Foundation
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

/// Real splat runs: `SplatTrainer` fitting the 32×32 test card with 48 Gaussians, 15 steps an
/// epoch, small enough for a debug build. One run is trained per epoch count for the whole test
/// run; `make` hands each test its own copy, so tests may write into it.
enum SplatFixture {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var trained: [Int: URL] = [:]
    private static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ReplayTests-splat-\(getpid())")
    /// The name the trained runs carry; a copy's folder ends in the test's name instead.
    private static let trainedName = "fixture"

    static func config(epochs: Int) -> SplatConfig {
        var c = SplatConfig()
        c.size = 32
        c.gaussians = 48
        c.epochs = epochs
        c.stepsPerEpoch = 15
        c.seed = 3
        return c
    }

    /// A copy of a completed `epochs`-epoch run in `runsFolder`, its folder named for `name`, and
    /// returns the copy's folder. A `finish` other than `.completed` reopens the copy with
    /// `RunStore.open` (as a resume does) and finishes it so, with `reason`; nil leaves it
    /// `running` (by this process). `extra` entries are added to `run.json`'s config (the
    /// trainer writes only `SplatConfig`'s keys).
    @discardableResult
    static func make(in runsFolder: URL, name: String, epochs: Int, finish status: RunStatus? = .completed,
                     reason: String? = nil, config extra: [String: JSONValue] = [:]) throws -> URL {
        let source = try trainedRun(epochs: epochs)
        let base = source.lastPathComponent.dropLast(trainedName.count) + name
        let copy = runsFolder.appendingPathComponent(String(base))
        try FileManager.default.createDirectory(at: runsFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: copy)
        if !extra.isEmpty { try addToConfig(extra, in: copy) }
        if status != .completed {
            let store = try RunStore.open(at: copy)
            if let status { try store.finish(status, reason: reason) }
        }
        return copy
    }

    private static func trainedRun(epochs: Int) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let url = trained[epochs] { return url }
        if trained.isEmpty { atexit { try? FileManager.default.removeItem(at: SplatFixture.folder) } }
        let trainer = try SplatTrainer(config: config(epochs: epochs), runsFolder: folder.appendingPathComponent("\(epochs)"),
                                       name: trainedName)
        trainer.log = { _ in }
        trainer.showsProgress = false
        try trainer.run()
        trained[epochs] = trainer.store.folder
        return trainer.store.folder
    }

    /// Merges `extra` into the `config` object of the run's `run.json`.
    private static func addToConfig(_ extra: [String: JSONValue], in run: URL) throws {
        let url = run.appendingPathComponent(RunStore.manifestFileName)
        guard case var .object(manifest) = try JSONValue.parse(Data(contentsOf: url)),
              case var .object(config) = manifest["config"] ?? .object([:]) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        config.merge(extra) { $1 }
        manifest["config"] = .object(config)
        try AtomicFile.write(Data(JSONValue.object(manifest).serialized(pretty: true).utf8), to: url)
    }
}

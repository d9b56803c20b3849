// A stand-in training loop for the SIGINT test in StorageTests (RunStoreTests+Signals):
// creates a run under the folder given as the first argument, writes one snapshot about
// every 100 ms (five 20 ms "steps" per epoch, the interrupt flag polled after each), prints
// "ready <run folder>" after the first, and honours SIGINT/SIGTERM the way `trainviz`
// does: finish the current snapshot, mark the run interrupted, exit 128 + signal.
//
// Usage: RunStoreFixture <runs-folder> [max-epochs (default 600)]
import Foundation
import Storage

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: RunStoreFixture <runs-folder> [max-epochs]\n".utf8))
    exit(2)
}
let runsFolder = URL(fileURLWithPath: arguments[1])
let maxEpochs = arguments.count > 2 ? Int(arguments[2]) ?? 600 : 600

let interrupts = InterruptMonitor.shared
interrupts.install()

/// The files of one fixture snapshot; the test checks all of them.
func writeSnapshotFiles(epoch: Int, into folder: URL) throws {
    let values = (0..<64).map { Float(epoch) + Float($0) / 64 }
    try NPY.write(NDArray(shape: [8, 8], values: values), to: folder.appendingPathComponent("values.npy"))
    try AtomicFile.write(Data(repeating: UInt8(epoch % 251), count: 200_000), to: folder.appendingPathComponent("blob.bin"))
    try AtomicFile.write(Data("epoch \(epoch)\n".utf8), to: folder.appendingPathComponent("done.txt"))
}

do {
    let spec = RunStore.Spec(
        kind: "fixture", name: "signals", version: "test", config: ["max_epochs": .int(maxEpochs)],
        seed: 1, metricColumns: ["epoch", "loss", "seconds"], headline: "loss")
    let store = try RunStore.create(in: runsFolder, spec: spec)
    let start = Date()
    for epoch in 0...maxEpochs {
        if epoch > 0 {
            for _ in 0..<5 {
                usleep(20_000)
                if interrupts.isRequested { break }
            }
        }
        try store.writeSnapshot(
            epoch: epoch, metrics: ["loss": 1 / Double(epoch + 1), "seconds": Date().timeIntervalSince(start)]
        ) { folder in
            try writeSnapshotFiles(epoch: epoch, into: folder)
        }
        try store.writeCheckpoint(["w": NDArray(shape: [2], values: [Float(epoch), 1])], epoch: epoch)
        if epoch == 0 {
            print("ready \(store.folder.path)")
            fflush(stdout)
        }
        if let signal = interrupts.receivedSignal {
            try store.interrupt(by: signal)
            exit(InterruptMonitor.exitStatus(for: signal))
        }
    }
    try store.finish(.completed)
} catch {
    FileHandle.standardError.write(Data("RunStoreFixture: \(error)\n".utf8))
    exit(1)
}

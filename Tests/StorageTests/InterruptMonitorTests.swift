import Foundation
import XCTest
@testable import Storage

/// Real signals: a child process (`RunStoreFixture`, a stand-in training loop) is stopped
/// with `kill(2)` and must leave a complete, resumable run behind.
final class InterruptMonitorTests: XCTestCase {
    private struct FixtureNotReady: Error {}

    /// Collects a child's stdout from a background thread.
    private final class OutputCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) { lock.lock(); text += String(decoding: data, as: UTF8.self); lock.unlock() }
        var current: String { lock.lock(); defer { lock.unlock() }; return text }
    }

    /// Starts the fixture, waits for "ready", lets a few snapshots land, sends `signal`, and
    /// returns the exit status and the run folder.
    private func interruptFixture(with signal: Int32, after delay: TimeInterval) throws -> (status: Int32, folder: URL) {
        let runs = try makeTemporaryFolder(self)
        let process = Process()
        process.executableURL = try fixtureExecutable()
        process.arguments = [runs.path]
        let stdout = Pipe()
        process.standardOutput = stdout
        let output = OutputCollector()
        stdout.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        try process.run()
        defer {
            stdout.fileHandleForReading.readabilityHandler = nil
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }

        let deadline = Date() + 30
        while !output.current.contains("\n"), process.isRunning, Date() < deadline { usleep(10_000) }
        let firstLine = output.current.split(separator: "\n").first.map(String.init) ?? ""
        guard firstLine.hasPrefix("ready ") else {
            XCTFail("the fixture did not report ready; its output: \(output.current)")
            throw FixtureNotReady()
        }
        usleep(UInt32(delay * 1_000_000))
        XCTAssertEqual(kill(process.processIdentifier, signal), 0)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        XCTAssertFalse(process.isRunning, "the fixture must stop after \(InterruptMonitor.signalName(signal))")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, "it exits by itself rather than dying of the signal")
        return (process.terminationStatus, URL(fileURLWithPath: String(firstLine.dropFirst("ready ".count))))
    }

    /// Every snapshot folder complete, metrics and manifest agreeing with them.
    private func assertCompleteInterruptedRun(_ folder: URL, signalName: String) throws {
        let manifest = try RunManifest.read(from: folder)
        XCTAssertEqual(manifest.status, .interrupted)
        XCTAssertEqual(manifest.reason, "interrupted by \(signalName)")
        XCTAssertNotNil(manifest.endedAt)
        XCTAssertEqual(try RunRecord.load(from: folder).state, .interrupted)

        let epochs = folder.appendingPathComponent("epochs")
        let names = folderContents(epochs)
        XCTAssertGreaterThanOrEqual(names.count, 2, "a few snapshots landed before the signal")
        XCTAssertEqual(names, (0..<names.count).map(RunStore.epochFolderName), "no gaps and no staging leftovers")
        for (epoch, name) in names.enumerated() {
            let snapshot = epochs.appendingPathComponent(name)
            XCTAssertEqual(folderContents(snapshot), ["blob.bin", "done.txt", "values.npy"], name)
            let values = try NPY.read(from: snapshot.appendingPathComponent("values.npy"))
            XCTAssertEqual(values.shape, [8, 8])
            XCTAssertEqual(values.values, (0..<64).map { Float(epoch) + Float($0) / 64 })
            XCTAssertEqual(try Data(contentsOf: snapshot.appendingPathComponent("blob.bin")),
                           Data(repeating: UInt8(epoch % 251), count: 200_000))
            XCTAssertEqual(try String(contentsOf: snapshot.appendingPathComponent("done.txt"), encoding: .utf8), "epoch \(epoch)\n")
        }
        let lastEpoch = names.count - 1
        XCTAssertEqual(manifest.epochsDone, lastEpoch)
        let table = try MetricsTable.read(from: folder.appendingPathComponent("metrics.csv"))
        XCTAssertEqual(table.column("epoch"), (0...lastEpoch).map(Double.init))
        XCTAssertEqual(table.lastRow?["loss"], 1 / Double(lastEpoch + 1))
        let checkpoint = try SafeTensors.read(from: folder.appendingPathComponent("checkpoint.safetensors"))
        XCTAssertEqual(checkpoint.metadata["epoch"], String(lastEpoch))
        XCTAssertEqual(folderContents(folder), ["checkpoint.safetensors", "epochs", "metrics.csv", "run.json"])
    }

    func testSIGINTFinishesTheSnapshotMarksInterruptedAndExits130() throws {
        let (status, folder) = try interruptFixture(with: SIGINT, after: 0.35)
        XCTAssertEqual(status, 130)
        try assertCompleteInterruptedRun(folder, signalName: "SIGINT")
        // The interrupted run can be resumed.
        let resumed = try RunStore.open(at: folder)
        XCTAssertEqual(resumed.manifest.status, .running)
        try resumed.finish(.completed)
    }

    func testSIGTERMExits143() throws {
        let (status, folder) = try interruptFixture(with: SIGTERM, after: 0.15)
        XCTAssertEqual(status, 143)
        try assertCompleteInterruptedRun(folder, signalName: "SIGTERM")
    }

    func testFixtureCompletesWithoutASignal() throws {
        let runs = try makeTemporaryFolder(self)
        let result = try runProcess(try fixtureExecutable().path, [runs.path, "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let folder = runs.appendingPathComponent(try XCTUnwrap(folderContents(runs).first))
        XCTAssertEqual(try RunManifest.read(from: folder).status, .completed)
        XCTAssertEqual(folderContents(folder.appendingPathComponent("epochs")), ["0000", "0001", "0002"])
    }

    func testInProcessSignalSetsTheFlag() throws {
        // SIGUSR2 rather than SIGINT, so that the test runner's own Ctrl-C handling is untouched.
        // Dispatch registers the source asynchronously, so the signal is sent until it is seen.
        let monitor = InterruptMonitor.shared
        monitor.reset()
        monitor.exitsOnSecondSignal = false
        monitor.install(signals: [SIGUSR2])
        defer { monitor.reset(); monitor.exitsOnSecondSignal = true }
        XCTAssertFalse(monitor.isRequested)
        let deadline = Date() + 5
        while !monitor.isRequested, Date() < deadline {
            XCTAssertEqual(kill(getpid(), SIGUSR2), 0)
            usleep(5000)
        }
        XCTAssertTrue(monitor.isRequested)
        XCTAssertEqual(monitor.receivedSignal, SIGUSR2)
        XCTAssertEqual(InterruptMonitor.exitStatus(for: SIGINT), 130)
        XCTAssertEqual(InterruptMonitor.exitStatus(for: SIGTERM), 143)
        XCTAssertEqual(InterruptMonitor.signalName(SIGINT), "SIGINT")
    }
}

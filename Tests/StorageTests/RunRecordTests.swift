import Foundation
import XCTest
@testable import Storage

final class RunRecordTests: XCTestCase {
    /// A run folder whose manifest claims `status`, written by process `pid` on `hostname`.
    private func makeRun(in runs: URL, named name: String, status: RunStatus, pid: Int32, hostname: String,
                         kind: String = "cnn", metricsCSV: String? = nil) throws -> URL {
        let folder = runs.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let manifest = RunManifest(
            kind: kind, version: "0.1.0", argv: [], config: [:], seed: 0, status: status,
            startedAt: Date(timeIntervalSince1970: 1_700_000_000), epochsDone: 2,
            metrics: ["test_acc": 0.25, "psnr": 20], pid: pid, hostname: hostname)
        try manifest.write(to: folder)
        if let metricsCSV { try Data(metricsCSV.utf8).write(to: folder.appendingPathComponent("metrics.csv")) }
        return folder
    }

    /// The pid of a child that has exited and been reaped: no process has it now.
    private func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exit 0"]
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    func testRunningWithADeadProcessIsStale() throws {
        let runs = try makeTemporaryFolder(self)
        let host = currentHostname()
        let dead = try deadPID()
        XCTAssertFalse(RunRecord.isProcessAlive(pid: dead, hostname: host))
        XCTAssertEqual(try RunRecord.load(from: makeRun(in: runs, named: "a", status: .running, pid: dead, hostname: host)).state, .stale)
        // Beyond any pid_max: kill(pid, 0) reports ESRCH.
        XCTAssertEqual(try RunRecord.load(from: makeRun(in: runs, named: "b", status: .running, pid: Int32.max, hostname: host)).state, .stale)
        // Another machine's run cannot be checked: stale.
        XCTAssertEqual(try RunRecord.load(from: makeRun(in: runs, named: "c", status: .running, pid: getpid(), hostname: host + "-elsewhere")).state, .stale)
    }

    func testRunningWithALiveProcessIsRunning() throws {
        let runs = try makeTemporaryFolder(self)
        XCTAssertTrue(RunRecord.isProcessAlive(pid: getpid(), hostname: currentHostname()))
        XCTAssertTrue(RunRecord.isProcessAlive(pid: 1, hostname: currentHostname()), "pid 1 exists (EPERM counts as alive)")
        XCTAssertEqual(try RunRecord.load(from: makeRun(in: runs, named: "a", status: .running, pid: getpid(), hostname: currentHostname())).state, .running)
    }

    func testFinishedStatusesAreReportedAsWritten() throws {
        let runs = try makeTemporaryFolder(self)
        for status in [RunStatus.completed, .interrupted, .failed] {
            let folder = try makeRun(in: runs, named: status.rawValue, status: status, pid: Int32.max, hostname: "elsewhere")
            XCTAssertEqual(try RunRecord.load(from: folder).state.rawValue, status.rawValue)
        }
    }

    func testHeadlineComesFromTheLastMetricsRow() throws {
        let runs = try makeTemporaryFolder(self)
        let cnn = try RunRecord.load(from: makeRun(in: runs, named: "cnn", status: .completed, pid: 1, hostname: "h",
                                                   metricsCSV: "epoch,test_acc\n0,0.1\n1,0.5\n2,0.875\n"))
        XCTAssertEqual(cnn.headline, HeadlineMetric(name: "test_acc", value: 0.875))
        XCTAssertEqual(cnn.metrics?.rows.count, 3)
        // No metrics.csv: the manifest's copy of the latest row.
        let splat = try RunRecord.load(from: makeRun(in: runs, named: "splat", status: .completed, pid: 1, hostname: "h", kind: "splat"))
        XCTAssertNil(splat.metrics)
        XCTAssertEqual(splat.headline, HeadlineMetric(name: "psnr", value: 20))
        // Unknown kind without a declared headline: none.
        XCTAssertNil(try RunRecord.load(from: makeRun(in: runs, named: "x", status: .completed, pid: 1, hostname: "h", kind: "other")).headline)
    }
}

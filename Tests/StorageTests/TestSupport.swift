import Foundation
import XCTest

/// A fresh temporary folder, removed when the test ends.
func makeTemporaryFolder(_ testCase: XCTestCase, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("StorageTests-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The names in a folder, sorted (hidden ones included).
func folderContents(_ url: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
}

/// Result of running a child process to completion.
struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs an executable with arguments and waits for it.
func runProcess(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so a chatty child cannot fill the pipe and block.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// python3 with numpy, when this machine has both; cross-checks skip otherwise.
enum Python {
    static let path: String? = {
        let searchPath = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        for candidate in searchPath + ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            if let result = try? runProcess(candidate, ["-c", "import numpy"]), result.status == 0 { return candidate }
        }
        return nil
    }()

    /// Runs `script` (with `sys.argv[1:] = arguments`) and returns its stdout, or skips the
    /// test when python3 + numpy are not available.
    static func run(_ script: String, _ arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let path else { throw XCTSkip("python3 with numpy is not available") }
        let result = try runProcess(path, ["-c", script] + arguments)
        XCTAssertEqual(result.status, 0, "python failed: \(result.stderr)", file: file, line: line)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The `RunStoreFixture` executable that SwiftPM builds next to the test bundle.
func fixtureExecutable() throws -> URL {
    var folders: [URL] = []
    let bundle = Bundle(for: SentinelClass.self).bundleURL
    folders += [bundle, bundle.deletingLastPathComponent()]
    if let executable = Bundle.main.executableURL { folders.append(executable.deletingLastPathComponent()) }
    folders.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    for folder in folders {
        let candidate = folder.appendingPathComponent("RunStoreFixture")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw FixtureMissing(searched: folders.map(\.path))
}

struct FixtureMissing: Error, CustomStringConvertible {
    let searched: [String]
    var description: String { "RunStoreFixture was not built next to the tests (looked in \(searched))" }
}

private final class SentinelClass {}

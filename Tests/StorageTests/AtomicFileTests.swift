import Foundation
import XCTest
@testable import Storage

final class AtomicFileTests: XCTestCase {
    func testWritesTheDataAndLeavesNoTemporaryFile() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("a.bin")
        let data = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try AtomicFile.write(data, to: url)
        XCTAssertEqual(try Data(contentsOf: url), data)
        XCTAssertEqual(folderContents(folder), ["a.bin"], "no hidden temporary sibling may remain")
    }

    func testReplacesAnExistingFileWhole() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("run.json")
        try Data(repeating: 0x41, count: 4096).write(to: url)
        let inode = try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int
        try AtomicFile.write(Data("short".utf8), to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "short", "no tail of the longer old file")
        let newInode = try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int
        XCTAssertNotEqual(inode, newInode, "replaced by rename, not rewritten in place")
        XCTAssertEqual(folderContents(folder), ["run.json"])
    }

    func testEmptyDataMakesAnEmptyFile() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("empty")
        try AtomicFile.write(Data(), to: url)
        XCTAssertEqual(try Data(contentsOf: url).count, 0)
    }

    func testFailureNamesTheFileAndCleansUp() throws {
        let folder = try makeTemporaryFolder(self)
        // Missing parent folder: the temporary file cannot even be created.
        let missing = folder.appendingPathComponent("no/such/folder/x.npy")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: missing)) { error in
            guard case .writeFailed(let path, _)? = error as? StorageError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing.path)
            XCTAssertTrue(String(describing: error).contains("x.npy"))
        }
        // A folder in the way: the temporary file is written, the rename fails, the
        // temporary file must go.
        let blocked = folder.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("child"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try AtomicFile.write(Data([1, 2, 3]), to: blocked))
        XCTAssertEqual(folderContents(folder), ["taken"])
    }
}

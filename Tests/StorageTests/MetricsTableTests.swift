import Foundation
import XCTest
@testable import Storage

final class MetricsTableTests: XCTestCase {
    func testCellsAreShortAndReadBack() throws {
        let table = MetricsTable(columns: ["epoch", "loss", "acc"], rows: [[0, 2.5, .nan], [1, 0.125, 0.9470000267028809]])
        XCTAssertEqual(table.csvText, "epoch,loss,acc\n0,2.5,nan\n1,0.125,0.9470000267028809\n")
        let back = try MetricsTable.parse(table.csvText, path: "m.csv")
        XCTAssertEqual(back.columns, ["epoch", "loss", "acc"])
        XCTAssertEqual(back.column("loss"), [2.5, 0.125])
        XCTAssertTrue(back.rows[0][2].isNaN)
        XCTAssertEqual(back.lastRow?["acc"], 0.9470000267028809)
        XCTAssertNil(back.column("missing"))
    }

    func testEmptyCellsAndCRLFAreAccepted() throws {
        let table = try MetricsTable.parse("epoch,psnr\r\n0,\r\n1,21.5\r\n", path: "m.csv")
        XCTAssertEqual(table.rows.count, 2)
        XCTAssertTrue(table.rows[0][1].isNaN)
        XCTAssertEqual(table.rows[1], [1, 21.5])
    }

    func testATornLastLineIsDroppedButABadMiddleLineIsAnError() throws {
        let unterminated = try MetricsTable.parse("epoch,loss\n0,1.5\n1,0.5", path: "m.csv")
        XCTAssertEqual(unterminated.rows, [[0, 1.5], [1, 0.5]], "a whole row without its newline is kept")
        let cut = try MetricsTable.parse("epoch,loss\n0,1.5\n1", path: "m.csv")
        XCTAssertEqual(cut.rows, [[0, 1.5]])
        XCTAssertThrowsError(try MetricsTable.parse("epoch,loss\n0,abc\n1,2\n", path: "m.csv")) { error in
            XCTAssertEqual(error as? StorageError, .metricsInvalid(path: "m.csv", detail: "line 2 does not hold 2 numbers"))
        }
        XCTAssertThrowsError(try MetricsTable.parse("", path: "m.csv"))
    }

    func testAppendAddsOneLine() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("metrics.csv")
        try AtomicFile.write(Data("epoch,loss\n".utf8), to: url)
        for epoch in 0..<3 {
            try MetricsTable.append(MetricsTable.rowLine([Double(epoch), 1 / Double(epoch + 1)]), to: url)
            XCTAssertEqual(try MetricsTable.read(from: url).rows.count, epoch + 1)
        }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "epoch,loss\n0,1\n1,0.5\n2,0.3333333333333333\n")
    }
}

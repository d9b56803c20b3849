import XCTest
import Autograd
@testable import Splatting

final class SplatInputsTests: XCTestCase {
    private func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "" } catch { return "\(error)" }
    }

    func testAcceptsTheFourCombinations() throws {
        for (kind, channels) in allCombinations {
            let dims = try SplatInputs.validate(op: "op", means: [4, 2], shape: [4, kind.parameterCount],
                                                colors: [4, channels], height: 3, width: 5)
            XCTAssertEqual(dims, SplatInputs(count: 4, kind: kind, channels: channels, height: 3, width: 5))
        }
        XCTAssertEqual(try SplatInputs.validate(op: "op", means: [0, 2], shape: [0, 3], colors: [0, 1],
                                                height: 1, width: 1).count, 0)
    }

    func testMisuseNamesOpAndShapes() {
        let v = { (m: [Int], s: [Int], c: [Int], h: Int, w: Int) in
            self.message { try SplatInputs.validate(op: "rasterizeGaussians", means: m, shape: s, colors: c, height: h, width: w) }
        }
        let cases: [(String, [String])] = [
            (v([4, 3], [4, 3], [4, 3], 8, 8), ["means", "[4, 3]"]),
            (v([4], [4, 3], [4, 3], 8, 8), ["means", "[4]"]),
            (v([4, 2], [4, 2], [4, 3], 8, 8), ["shape", "[4, 2]"]),
            (v([4, 2], [5, 3], [4, 3], 8, 8), ["[4, 2]", "[5, 3]"]),
            (v([4, 2], [4, 3], [4, 2], 8, 8), ["colors", "[4, 2]"]),
            (v([4, 2], [4, 1], [3, 3], 8, 8), ["[4, 2]", "[3, 3]"]),
            (v([4, 2], [4, 1], [4, 3], 0, 8), ["height 0"]),
            (v([4, 2], [4, 1], [4, 3], 8, -1), ["width -1"]),
            (message { try SplatInputs.validateCutoff(op: "rasterizeGaussians", 0) }, ["cutoff"]),
            (message { try SplatInputs.validateCutoff(op: "rasterizeGaussians", .nan) }, ["cutoff"]),
        ]
        for (text, needles) in cases {
            XCTAssertTrue(text.hasPrefix("rasterizeGaussians: "), text)
            for needle in needles { XCTAssertTrue(text.contains(needle), "\(text) lacks \(needle)") }
        }
    }
}

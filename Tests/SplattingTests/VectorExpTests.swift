import XCTest
import Foundation
@testable import Splatting

final class VectorExpTests: XCTestCase {
    /// Relative error against `exp` in Double over the arguments the rasterizer uses.
    func testAccuracyOverRasterRange() {
        var worst = 0.0
        var x: Float = -87
        while x <= 0 {
            var lanes = Lanes()
            for j in 0..<Lanes.scalarCount { lanes[j] = min(0, x + Float(j) * 0.000_37) }
            let y = vectorExp(lanes)
            for j in 0..<Lanes.scalarCount {
                let exact = Foundation.exp(Double(lanes[j]))
                worst = max(worst, abs(Double(y[j]) - exact) / exact)
            }
            x += 0.0061
        }
        XCTAssertLessThan(worst, 3e-7, "worst relative error \(worst)")
    }

    func testSpecialArgumentsStayFinite() {
        var lanes = Lanes(repeating: 0)
        lanes[0] = .nan
        lanes[1] = -.infinity
        lanes[2] = -1e30
        lanes[3] = 5   // positive arguments are clamped to 0
        let y = vectorExp(lanes)
        for j in 0..<Lanes.scalarCount { XCTAssertTrue(y[j].isFinite && y[j] >= 0, "lane \(j): \(y[j])") }
        XCTAssertLessThan(y[1], 1e-37)
        XCTAssertEqual(y[3], 1)
        XCTAssertEqual(y[4], 1)
    }
}

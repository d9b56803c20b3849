import XCTest
import Foundation
@testable import Splatting

final class VectorExpTests: XCTestCase {
    /// Relative error against `exp2` in Double over the arguments the rasterizer uses
    /// (down to −126, far below the weights any cutoff keeps), and a little above 0.
    func testAccuracyOverRasterRange() {
        var worst = 0.0, worstAt: Float = 0
        var x: Float = -126
        while x <= 4 {
            var lanes = Lanes()
            for j in 0..<Lanes.scalarCount { lanes[j] = x + Float(j) * 0.000_37 }
            let y = vectorExp2(lanes)
            for j in 0..<Lanes.scalarCount {
                let exact = Foundation.exp2(Double(lanes[j]))
                let err = abs(Double(y[j]) - exact) / exact
                if err > worst { (worst, worstAt) = (err, lanes[j]) }
            }
            x += 0.0061
        }
        XCTAssertLessThan(worst, 3e-7, "worst relative error \(worst) at \(worstAt)")
    }

    /// The Gaussian weight exp(−½q) through 2^(q·(−½log₂e)), the rounding of the scaled
    /// argument included: within 7e-7 relative inside the default cutoff (q ≤ 3.5²) and
    /// 1.2e-6 up to a 6σ cutoff (q ≤ 36).
    func testGaussianWeightAccuracy() {
        var worst = 0.0, worstInside = 0.0
        var q: Float = 0
        while q <= 36 {
            var lanes = Lanes()
            for j in 0..<Lanes.scalarCount { lanes[j] = q + Float(j) * 0.000_13 }
            let w = vectorExp2(lanes * negHalfLog2e)
            for j in 0..<Lanes.scalarCount {
                let exact = Foundation.exp(-0.5 * Double(lanes[j]))
                let err = abs(Double(w[j]) - exact) / exact
                worst = max(worst, err)
                if lanes[j] <= 12.25 { worstInside = max(worstInside, err) }
            }
            q += 0.0023
        }
        XCTAssertLessThan(worstInside, 7e-7, "worst relative error inside 3.5σ: \(worstInside)")
        XCTAssertLessThan(worst, 1.2e-6, "worst relative error inside 6σ: \(worst)")
    }

    func testSpecialArgumentsStayFinite() {
        var lanes = Lanes(repeating: 0)
        lanes[0] = .nan
        lanes[1] = -.infinity
        lanes[2] = -1e30
        lanes[3] = 1
        let y = vectorExp2(lanes)
        for j in 0..<Lanes.scalarCount { XCTAssertTrue(y[j].isFinite && y[j] >= 0, "lane \(j): \(y[j])") }
        XCTAssertLessThan(y[1], 1e-37)
        XCTAssertEqual(y[3], 2, accuracy: 1e-6)
        XCTAssertEqual(y[4], 1)
    }
}

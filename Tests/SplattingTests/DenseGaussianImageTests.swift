import TestSupport
import XCTest
import Autograd
@testable import Splatting

final class DenseGaussianImageTests: XCTestCase {
    /// The twin agrees with the formula evaluated pixel by pixel in Double.
    func testMatchesPixelLoop() {
        for (kind, channels) in allCombinations {
            let c = SplatCase(count: 9, kind: kind, channels: channels, height: 13, width: 21, seed: 7)
            let image = c.dense()
            XCTAssertEqual(image.shape, [13, 21, channels])
            let reference = loopImage(c)
            let err = relativeError(image.data, reference.map(Float.init))
            XCTAssertLessThan(err, 1e-6, "\(kind) C=\(channels)")
        }
    }

    func testZeroGaussiansGiveBlack() {
        let image = denseGaussianImage(means: Tensor.zeros([0, 2]), shape: Tensor.zeros([0, 3]),
                                       colors: Tensor.zeros([0, 3]), height: 4, width: 5)
        XCTAssertEqual(image.shape, [4, 5, 3])
        XCTAssertEqual(image.data, [Float](repeating: 0, count: 60))
    }

    /// The twin's autodiff gradient passes the central-difference check.
    func testGradcheck() {
        for (kind, channels) in allCombinations {
            let c = SplatCase(count: 3, kind: kind, channels: channels, height: 6, width: 5, seed: 11, sigma: 1.5...3)
            let result = gradcheck(c.inputs, epsilon: 2e-3, tolerance: 1e-2, elementwise: true) { t in
                denseGaussianImage(means: t[0], shape: t[1], colors: t[2], height: 6, width: 5)
            }
            XCTAssertTrue(result.passed, "\(kind) C=\(channels): \(result)")
        }
    }
}

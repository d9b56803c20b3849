import XCTest
@testable import Autograd

final class ArithmeticTests: XCTestCase {
    func testForwardBroadcastsLikeNumPy() {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3], data: [10, 20, 30])
        XCTAssertEqual((a + b).data, [11, 22, 33, 14, 25, 36])
        let c = Tensor(shape: [2, 1], data: [2, 4])
        XCTAssertEqual((a * c).data, [2, 4, 6, 16, 20, 24])
        XCTAssertEqual((a - 1).data, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual((a / c).shape, [2, 3])
        XCTAssertEqual((c + b).shape, [2, 3])
    }

    func testGradientsThroughBroadcasting() {
        var rng = SeededRandom(seed: 1)
        let shapes: [([Int], [Int])] = [([2, 3], [2, 3]), ([2, 3], [3]), ([4, 1, 3], [2, 1]), ([3], []), ([1, 5], [4, 1])]
        for (sa, sb) in shapes {
            let a = Tensor.randn(sa, using: &rng)
            let b = Tensor.uniform(sb, low: 0.5, high: 2, using: &rng)
            for (name, f) in [("add", { (t: [Tensor]) in t[0] + t[1] }),
                              ("sub", { (t: [Tensor]) in t[0] - t[1] }),
                              ("mul", { (t: [Tensor]) in t[0] * t[1] }),
                              ("div", { (t: [Tensor]) in t[0] / t[1] })] {
                let result = gradcheck([a, b], elementwise: true, f)
                XCTAssertTrue(result.passed, "\(name) \(sa) ∘ \(sb): \(result)")
            }
        }
    }

    func testGradientAccumulatesWhenAnOperandIsUsedTwice() {
        let x = Tensor(shape: [2], data: [3, -1], requiresGrad: true)
        let y = x * x + x  // dy/dx = 2x + 1
        y.backward(seed: [1, 1])
        XCTAssertEqual(x.grad, [7, -1])
    }

    func testNoGradRecordsNothing() {
        let x = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let y = withNoGrad { x * x }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(GradMode.isEnabled)
        XCTAssertTrue((x * x).requiresGrad)
    }

    func testMismatchedShapesAreNamed() {
        XCTAssertThrowsError(try Shape.broadcast([2, 3], [4], op: "add")) { error in
            XCTAssertEqual("\(error)", "add: shapes [2, 3] and [4] do not broadcast (axis 1: 3 vs 4)")
        }
    }
}

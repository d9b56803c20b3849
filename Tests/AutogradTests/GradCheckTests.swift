import XCTest
@testable import Autograd

/// `gradcheck` itself: it must pass a correct gradient and catch (and name) a wrong one.
final class GradCheckTests: XCTestCase {
    /// x², with a backward that is correct except at `wrongElement`, where it
    /// returns 3x instead of 2x.
    private func square(_ x: Tensor, wrongElement: Int?) -> Tensor {
        let values = x.data.map { $0 * $0 }
        return Tensor(shape: x.shape, data: values, op: "square", parents: [x]) { g in
            var dx = [Float](repeating: 0, count: x.count)
            for i in 0..<x.count { dx[i] = (i == wrongElement ? 3 : 2) * x.data[i] * g[i] }
            return [Gradient(dx, shape: x.shape)]
        }
    }

    func testACorrectGradientPasses() {
        var rng = SeededRandom(seed: 11)
        let x = Tensor.randn([2, 3], using: &rng)
        let result = gradcheck([x], elementwise: true) { self.square($0[0], wrongElement: nil) }
        XCTAssertTrue(result.passed, "\(result)")
        XCTAssertLessThan(result.relativeError, 1e-4)
        // Elementwise mode always reports the worst element, even on success.
        XCTAssertNotNil(result.worst)
    }

    func testAWrongElementFailsAndIsNamed() throws {
        var rng = SeededRandom(seed: 12)
        let x = Tensor.randn([2, 3], using: &rng)
        for k in 0..<6 { x.data[k] = x.data[k] >= 0 ? x.data[k] + 0.5 : x.data[k] - 0.5 }  // |x| ≥ 0.5
        let result = gradcheck([x], elementwise: true) { self.square($0[0], wrongElement: 4) }
        XCTAssertFalse(result.passed, "\(result)")
        let worst = try XCTUnwrap(result.worst)
        XCTAssertEqual(worst.input, 0)
        XCTAssertEqual(worst.element, 4)
        // The analytic value there is 3x·w where the true derivative is 2x·w.
        XCTAssertEqual(worst.analytic / worst.numeric, 1.5, accuracy: 1e-3)
        XCTAssertTrue("\(result)".contains("FAILED"))
        XCTAssertTrue("\(result)".contains("input 0 [4]"))
    }

    func testTheWrongInputIsNamed() {
        // a·b with b's gradient taken as a + 1 instead of a.
        var rng = SeededRandom(seed: 13)
        let a = Tensor.randn([3], using: &rng), b = Tensor.randn([3], using: &rng)
        let result = gradcheck([a, b], elementwise: true) { t in
            let (x, y) = (t[0], t[1])
            let values = zip(x.data, y.data).map { $0 * $1 }
            return Tensor(shape: [3], data: values, op: "badmul", parents: [x, y]) { g in
                [Gradient(zip(g, y.data).map { $0 * $1 }, shape: [3]),
                 Gradient((0..<3).map { g[$0] * (x.data[$0] + 1) }, shape: [3])]
            }
        }
        XCTAssertFalse(result.passed, "\(result)")
        XCTAssertEqual(result.worst?.input, 1)
    }

    func testTheDirectionalCheckAloneCatchesANegatedGradient() {
        var rng = SeededRandom(seed: 14)
        let x = Tensor.uniform([4], low: 0.5, high: 1.5, using: &rng)
        let result = gradcheck([x]) { t in
            let x = t[0]
            return Tensor(shape: x.shape, data: x.data.map { $0 * $0 }, op: "negsquare", parents: [x]) { g in
                [Gradient((0..<x.count).map { -2 * x.data[$0] * g[$0] }, shape: x.shape)]
            }
        }
        XCTAssertFalse(result.passed, "\(result)")
        XCTAssertEqual(result.relativeError, 2, accuracy: 1e-2)  // |a − (−a)| / |a|
        XCTAssertNotNil(result.worst, "a failure must name an element")
    }

    func testInputsAreRestored() {
        let x = Tensor(shape: [3], data: [0.5, -1, 2])
        _ = gradcheck([x], elementwise: true) { $0[0] * $0[0] }
        XCTAssertEqual(x.data, [0.5, -1, 2])
        XCTAssertNil(x.grad)
    }
}

// MARK: - Helpers shared by the op tests

/// Asserts that `gradcheck` (element by element) accepts `f`'s gradient at `inputs`.
func assertGradcheck(_ inputs: [Tensor], _ label: @autoclosure () -> String,
                     file: StaticString = #filePath, line: UInt = #line,
                     _ f: ([Tensor]) -> Tensor) {
    let result = gradcheck(inputs, elementwise: true, f)
    XCTAssertTrue(result.passed, "\(label()): \(result)", file: file, line: line)
}

/// Every multi-index of `shape`, in row-major order.
func multiIndices(_ shape: [Int]) -> [[Int]] {
    var all: [[Int]] = [[]]
    for extent in shape {
        all = all.flatMap { prefix in (0..<extent).map { prefix + [$0] } }
    }
    return all
}

/// The row-major offset of `index` in `shape`.
func flatIndex(_ index: [Int], _ shape: [Int]) -> Int {
    zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
}

/// `count` distinct values in random order, at least 0.1 apart (so that a
/// finite-difference step of 0.01 never reorders them), centred on 0.
func spacedValues(_ count: Int, using rng: inout SeededRandom) -> [Float] {
    rng.permutation(count).map { Float($0) * 0.1 - Float(count) * 0.05 }
}


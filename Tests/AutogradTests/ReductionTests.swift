import TestSupport
import XCTest
@testable import Autograd

final class ReductionTests: XCTestCase {
    /// The slow twin of `sum(axes:keepingDims: true)`: every element added to the
    /// output slot whose index is its own with the summed axes zeroed, in `Double`.
    private func naiveSum(_ x: Tensor, axes: [Int]) -> (values: [Float], keptShape: [Int]) {
        let resolved = axes.map { $0 < 0 ? $0 + x.rank : $0 }
        var kept = x.shape
        for axis in resolved { kept[axis] = 1 }
        var out = [Double](repeating: 0, count: kept.product)
        for index in multiIndices(x.shape) {
            var target = index
            for axis in resolved { target[axis] = 0 }
            out[flatIndex(target, kept)] += Double(x.data[flatIndex(index, x.shape)])
        }
        return (out.map(Float.init), kept)
    }

    private let axisCases: [([Int], [Int])] = [
        ([5], [0]), ([5], [-1]),
        ([2, 3], [0]), ([2, 3], [1]), ([2, 3], [0, 1]), ([2, 3], []),
        ([2, 3, 4], [1]), ([2, 3, 4], [0, 2]), ([2, 3, 4], [-1, -2]), ([2, 3, 4], [2, 0, 1]),
        ([2, 1, 3, 2], [0, 2, 3]), ([2, 1, 3, 2], [1]), ([2, 2, 3, 2], [-3]), ([2, 2, 3, 2], [0, 1]),
    ]

    // MARK: - Whole tensor

    func testSumAndMeanOfAllElements() {
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let s = x.sum()
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(s.item, 21)
        XCTAssertEqual(x.mean().item, 3.5)
        s.backward()
        XCTAssertEqual(x.grad, [1, 1, 1, 1, 1, 1])
        x.zeroGrad()
        x.mean().backward(seed: [3])
        XCTAssertEqual(x.grad, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
        XCTAssertTrue(Tensor.zeros([0]).mean().item.isNaN)
        XCTAssertEqual(Tensor.zeros([0]).sum().item, 0)
    }

    func testWholeSumIsAccurateOnLargeArrays() {
        // 200,001 copies of 0.1: a naive Float running sum drifts by about 1e-3 relative.
        let n = 200_001
        let x = Tensor.full([n], 0.1)
        let expected = Double(Float(0.1)) * Double(n)
        XCTAssertEqual(Double(x.sum().item), expected, accuracy: expected * 1e-7)
        XCTAssertEqual(x.mean().item, 0.1, accuracy: 1e-8)
    }

    func testWholeGradients() {
        var rng = SeededRandom(seed: 31)
        for shape in [[4], [2, 3], [2, 1, 3], [1, 2, 2, 2]] {
            let x = Tensor.randn(shape, using: &rng)
            assertGradcheck([x], "sum \(shape)") { $0[0].sum() }
            assertGradcheck([x], "mean \(shape)") { $0[0].mean() }
        }
    }

    // MARK: - Along axes

    func testSumAlongAxesMatchesTheSlowTwin() {
        var rng = SeededRandom(seed: 32)
        for (shape, axes) in axisCases {
            let x = Tensor.randn(shape, using: &rng)
            let (expected, kept) = naiveSum(x, axes: axes)
            let keptSum = x.sum(axes: axes, keepingDims: true)
            XCTAssertEqual(keptSum.shape, kept, "\(shape) \(axes)")
            assertClose(keptSum.data, expected, tolerance: 1e-5, "sum \(shape) \(axes)")
            let dropped = x.sum(axes: axes)
            let resolved = Set(axes.map { $0 < 0 ? $0 + shape.count : $0 })
            XCTAssertEqual(dropped.shape, shape.indices.filter { !resolved.contains($0) }.map { shape[$0] })
            XCTAssertEqual(dropped.data, keptSum.data)
            let count = Float(resolved.map { shape[$0] }.product)
            assertClose(x.mean(axes: axes).data, expected.map { $0 / count }, tolerance: 1e-5, "mean \(shape) \(axes)")
        }
    }

    func testHandComputedAxisSums() {
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(x.sum(axes: [0]).data, [5, 7, 9])
        XCTAssertEqual(x.sum(axes: [-1]).data, [6, 15])
        XCTAssertEqual(x.sum(axes: [1], keepingDims: true).shape, [2, 1])
        XCTAssertEqual(x.mean(axes: [0]).data, [2.5, 3.5, 4.5])
        XCTAssertEqual(x.sum(axes: [0, 1]).shape, [])
        XCTAssertEqual(x.sum(axes: []).data, x.data)
    }

    func testAxisGradients() {
        var rng = SeededRandom(seed: 33)
        for (shape, axes) in axisCases {
            let x = Tensor.randn(shape, using: &rng)
            for keep in [false, true] {
                assertGradcheck([x], "sum \(shape) axes \(axes) keep \(keep)") { $0[0].sum(axes: axes, keepingDims: keep) }
                assertGradcheck([x], "mean \(shape) axes \(axes) keep \(keep)") { $0[0].mean(axes: axes, keepingDims: keep) }
            }
        }
    }

    func testLargeAxisSumsTakeEveryParallelPath() {
        var rng = SeededRandom(seed: 34)
        // inner = 1 (rows); outer ≥ threads (slabs); outer = 1 (column split).
        for (shape, axes) in [([3, 50_000], [1]), ([4, 300, 100], [1]), ([40_000, 3], [0]), ([2, 120, 7, 9], [0, 2])] {
            let x = Tensor.randn(shape, using: &rng)
            let (expected, _) = naiveSum(x, axes: axes)
            assertClose(x.sum(axes: axes, keepingDims: true).data, expected, tolerance: 2e-4, "\(shape) \(axes)")
        }
    }

    // MARK: - Max and argmax

    func testMaxAndArgmaxMatchTheSlowTwin() {
        var rng = SeededRandom(seed: 35)
        for (shape, axis) in [([5], 0), ([3, 4], 0), ([3, 4], -1), ([2, 3, 4], 1), ([2, 3, 2, 2], -2), ([2, 3, 2, 2], 0)] {
            let x = Tensor(shape: shape, data: spacedValues(shape.product, using: &rng))
            let a = axis < 0 ? axis + shape.count : axis
            var reduced = shape
            reduced.remove(at: a)
            var expected = [Float](repeating: -.infinity, count: reduced.product)
            var expectedIndex = [Int](repeating: 0, count: reduced.product)
            for index in multiIndices(shape) {
                var target = index
                let k = target.remove(at: a)
                let v = x.data[flatIndex(index, shape)], slot = flatIndex(target, reduced)
                if v > expected[slot] { expected[slot] = v; expectedIndex[slot] = k }
            }
            let y = x.max(axis: axis)
            XCTAssertEqual(y.shape, reduced)
            XCTAssertEqual(y.data, expected, "\(shape) axis \(axis)")
            XCTAssertEqual(x.argmax(axis: axis), expectedIndex, "\(shape) axis \(axis)")
            var keptShape = shape
            keptShape[a] = 1
            XCTAssertEqual(x.max(axis: axis, keepingDims: true).shape, keptShape)
        }
    }

    func testMaxGradients() {
        var rng = SeededRandom(seed: 36)
        for (shape, axis) in [([5], 0), ([3, 4], 0), ([3, 4], -1), ([2, 3, 4], 1), ([2, 3, 2, 2], -2)] {
            let x = Tensor(shape: shape, data: spacedValues(shape.product, using: &rng))
            for keep in [false, true] {
                assertGradcheck([x], "max \(shape) axis \(axis) keep \(keep)") { $0[0].max(axis: axis, keepingDims: keep) }
            }
        }
    }

    func testTiedMaximaSendTheGradientToTheFirstOnly() {
        // Along a contiguous row (inner = 1).
        let row = Tensor(shape: [2, 4], data: [1, 3, 3, 2, 5, 5, 5, 5], requiresGrad: true)
        XCTAssertEqual(row.argmax(axis: 1), [1, 0])
        row.max(axis: 1).backward(seed: [10, 20])
        XCTAssertEqual(row.grad, [0, 10, 0, 0, 20, 0, 0, 0])
        // Along a strided axis (inner > 1).
        let column = Tensor(shape: [3, 2], data: [0, 7, 4, 7, 4, 1], requiresGrad: true)
        XCTAssertEqual(column.argmax(axis: 0), [1, 0])
        column.max(axis: 0).backward(seed: [1, 2])
        XCTAssertEqual(column.grad, [0, 2, 1, 0, 0, 0])
    }

    func testMaxPropagatesNaN() {
        let x = Tensor(shape: [2, 3], data: [1, .nan, 3, 4, 5, 6])
        let y = x.max(axis: 1)
        XCTAssertTrue(y.data[0].isNaN)
        XCTAssertEqual(y.data[1], 6)
        XCTAssertEqual(x.argmax(axis: 1), [1, 2])
    }

    func testLargeMax() {
        var rng = SeededRandom(seed: 37)
        let x = Tensor.randn([6, 20_000], using: &rng)
        let indices = x.argmax(axis: 1)
        let y = x.max(axis: 1)
        for r in 0..<6 {
            let slice = Array(x.data[(r * 20_000)..<((r + 1) * 20_000)])
            let best = slice.max()!
            XCTAssertEqual(y.data[r], best)
            XCTAssertEqual(indices[r], slice.firstIndex(of: best))
        }
    }

    // MARK: - Misuse

    func testAxisErrorsNameTheOpAndShape() {
        XCTAssertThrowsError(try Shape.reductionAxes([0, 2], shape: [2, 3], op: "sum")) {
            XCTAssertEqual("\($0)", "sum: axis 2 is out of range for shape [2, 3] (rank 2)")
        }
        XCTAssertThrowsError(try Shape.reductionAxes([1, -1], shape: [2, 3], op: "mean")) {
            XCTAssertEqual("\($0)", "mean: axis 1 is listed twice in [1, -1] for shape [2, 3]")
        }
        XCTAssertThrowsError(try Shape.reductionAxes([-3], shape: [2, 3], op: "sum")) {
            XCTAssertEqual("\($0)", "sum: axis -3 is out of range for shape [2, 3] (rank 2)")
        }
        XCTAssertEqual(try Shape.reductionAxes([-1, 0], shape: [2, 3, 4], op: "sum"), [0, 2])
        XCTAssertThrowsError(try Tensor.maxAxis(1, shape: [2, 0], op: "max")) {
            XCTAssertEqual("\($0)", "max: axis 1 of shape [2, 0] is empty, so it has no maximum")
        }
        XCTAssertThrowsError(try Tensor.maxAxis(0, shape: [], op: "argmax")) {
            XCTAssertEqual("\($0)", "argmax: axis 0 is out of range for shape [] (rank 0)")
        }
    }
}

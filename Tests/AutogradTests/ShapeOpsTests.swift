import TestSupport
import XCTest
@testable import Autograd

final class ShapeOpsTests: XCTestCase {
    /// The slow twin of `permuted`: output element at index i is the input element
    /// at the index whose axis `axes[k]` is `i[k]`.
    private func naivePermute(_ x: Tensor, _ axes: [Int]) -> [Float] {
        let outShape = axes.map { x.shape[$0] }
        var out = [Float](repeating: 0, count: x.count)
        for index in multiIndices(outShape) {
            var source = [Int](repeating: 0, count: x.rank)
            for (k, axis) in axes.enumerated() { source[axis] = index[k] }
            out[flatIndex(index, outShape)] = x.data[flatIndex(source, x.shape)]
        }
        return out
    }

    // MARK: - Permute and transpose

    func testPermuteMatchesTheSlowTwin() {
        var rng = SeededRandom(seed: 41)
        let cases: [([Int], [Int])] = [
            ([2, 3], [1, 0]), ([2, 3, 4], [2, 0, 1]), ([2, 3, 4], [1, 0, 2]), ([2, 3, 4], [0, 2, 1]),
            ([2, 3, 4, 5], [0, 2, 3, 1]), ([2, 3, 4, 5], [3, 2, 1, 0]), ([2, 1, 4, 1], [3, 2, 1, 0]),
            ([1, 5, 1, 3], [1, 3, 0, 2]), ([2, 3, 4], [0, 1, 2]),
            // Larger than one 32 × 32 tile and ragged at the edges.
            ([3, 70, 45], [2, 0, 1]), ([70, 45], [1, 0]), ([5, 33, 34], [0, 2, 1]),
        ]
        for (shape, axes) in cases {
            let x = Tensor.randn(shape, using: &rng)
            let y = x.permuted(axes)
            XCTAssertEqual(y.shape, axes.map { shape[$0] })
            assertClose(y.data, naivePermute(x, axes), tolerance: 0, "\(shape) permuted \(axes)")
        }
        let x = Tensor.randn([2, 3, 4], using: &rng)
        XCTAssertEqual(x.permuted([-1, 0, -2]).data, x.permuted([2, 0, 1]).data)
    }

    func testLargeTransposesTakeTheParallelPaths() {
        var rng = SeededRandom(seed: 42)
        for (shape, axes) in [([2, 300, 200], [0, 2, 1]), ([300, 2, 100], [1, 0, 2]), ([1, 70_001], [1, 0]), ([257, 259], [1, 0])] {
            let x = Tensor.randn(shape, using: &rng)
            assertClose(x.permuted(axes).data, naivePermute(x, axes), tolerance: 0, "\(shape) permuted \(axes)")
        }
    }

    func testTransposed() {
        let m = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let t = m.transposed()
        XCTAssertEqual(t.shape, [3, 2])
        XCTAssertEqual(t.data, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(t.transposed().data, m.data)
        let batch = Tensor(shape: [2, 2, 3], data: (0..<12).map(Float.init))
        XCTAssertEqual(batch.transposed().shape, [2, 3, 2])
        XCTAssertEqual(batch.transposed().data, [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11])
    }

    func testPermuteGradients() {
        var rng = SeededRandom(seed: 43)
        for (shape, axes) in [([4], [0]), ([2, 3], [1, 0]), ([2, 3, 4], [2, 0, 1]), ([2, 1, 3, 2], [0, 2, 3, 1]), ([2, 3, 2, 2], [3, 1, 0, 2])] {
            let x = Tensor.randn(shape, using: &rng)
            assertGradcheck([x], "permute \(shape) \(axes)") { $0[0].permuted(axes) }
        }
        let x = Tensor.randn([2, 3, 4], using: &rng)
        assertGradcheck([x], "transposed") { $0[0].transposed() }
    }

    // MARK: - Slice

    func testSlice() {
        let x = Tensor(shape: [3, 4], data: (0..<12).map(Float.init))
        let rows = x.slice(axis: 0, range: 1..<3)
        XCTAssertEqual(rows.shape, [2, 4])
        XCTAssertEqual(rows.data, [4, 5, 6, 7, 8, 9, 10, 11])
        let columns = x.slice(axis: -1, range: 1..<3)
        XCTAssertEqual(columns.shape, [3, 2])
        XCTAssertEqual(columns.data, [1, 2, 5, 6, 9, 10])
        let empty = x.slice(axis: 1, range: 2..<2)
        XCTAssertEqual(empty.shape, [3, 0])
        XCTAssertEqual(empty.count, 0)
        let cube = Tensor(shape: [2, 3, 2], data: (0..<12).map(Float.init))
        XCTAssertEqual(cube.slice(axis: 1, range: 2..<3).data, [4, 5, 10, 11])
    }

    func testSliceGradientScattersIntoZeros() {
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        x.slice(axis: 1, range: 1..<3).backward(seed: [10, 20, 30, 40])
        XCTAssertEqual(x.grad, [0, 10, 20, 0, 30, 40])
        var rng = SeededRandom(seed: 44)
        for (shape, axis, range) in [([5], 0, 1..<4), ([3, 4], 0, 0..<2), ([2, 3, 4], -1, 2..<4), ([2, 3, 2, 2], 1, 1..<2)] {
            let x = Tensor.randn(shape, using: &rng)
            assertGradcheck([x], "slice \(shape) axis \(axis) \(range)") { $0[0].slice(axis: axis, range: range) }
        }
    }

    // MARK: - Concat

    func testConcat() {
        let a = Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 1], data: [5, 6])
        let c = Tensor(shape: [1, 2], data: [7, 8])
        let wide = Tensor.concat([a, b], axis: 1)
        XCTAssertEqual(wide.shape, [2, 3])
        XCTAssertEqual(wide.data, [1, 2, 5, 3, 4, 6])
        let tall = Tensor.concat([a, c, a], axis: 0)
        XCTAssertEqual(tall.shape, [5, 2])
        XCTAssertEqual(tall.data, [1, 2, 3, 4, 7, 8, 1, 2, 3, 4])
        XCTAssertEqual(Tensor.concat([a], axis: -1).data, a.data)
        // concat undoes slicing.
        var rng = SeededRandom(seed: 45)
        let x = Tensor.randn([2, 5, 3], using: &rng)
        let parts = [x.slice(axis: 1, range: 0..<2), x.slice(axis: 1, range: 2..<3), x.slice(axis: 1, range: 3..<5)]
        XCTAssertEqual(Tensor.concat(parts, axis: -2).data, x.data)
    }

    func testConcatGradients() {
        var rng = SeededRandom(seed: 46)
        let a = Tensor.randn([2, 3, 2], using: &rng)
        let b = Tensor.randn([2, 1, 2], using: &rng)
        let c = Tensor.randn([2, 2, 2], using: &rng)
        assertGradcheck([a, b, c], "concat axis 1") { Tensor.concat($0, axis: 1) }
        let d = Tensor.randn([3], using: &rng), e = Tensor.randn([2], using: &rng)
        assertGradcheck([d, e], "concat rank 1") { Tensor.concat($0, axis: 0) }
        let f = Tensor.randn([1, 2, 2, 2], using: &rng), g = Tensor.randn([1, 2, 2, 3], using: &rng)
        assertGradcheck([f, g], "concat rank 4, axis -1") { Tensor.concat($0, axis: -1) }
    }

    func testConcatOfOneTensorTwiceAccumulates() {
        let x = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let y = Tensor(shape: [1], data: [3])
        Tensor.concat([x, y, x], axis: 0).backward(seed: [1, 2, 3, 4, 5])
        XCTAssertEqual(x.grad, [5, 7])
        XCTAssertNil(y.grad)
    }

    // MARK: - Misuse

    func testMisuseMessagesNameTheOpAndShapes() {
        XCTAssertThrowsError(try Tensor.permutationAxes([0, 0, 1], shape: [2, 3, 4])) {
            XCTAssertEqual("\($0)", "permute: axes [0, 0, 1] are not a permutation of 0..<3 for shape [2, 3, 4]")
        }
        XCTAssertThrowsError(try Tensor.permutationAxes([1, 0], shape: [2, 3, 4])) {
            XCTAssertEqual("\($0)", "permute: axes [1, 0] are not a permutation of 0..<3 for shape [2, 3, 4]")
        }
        XCTAssertEqual(try Tensor.permutationAxes([-1, 0, 1], shape: [2, 3, 4]), [2, 0, 1])
        XCTAssertThrowsError(try Tensor.transposeAxes([5])) {
            XCTAssertEqual("\($0)", "transpose: needs at least 2 axes, got shape [5]")
        }
        XCTAssertEqual(try Tensor.transposeAxes([2, 3, 4]), [0, 2, 1])
        XCTAssertThrowsError(try Tensor.sliceAxis(1, range: 2..<5, shape: [2, 3])) {
            XCTAssertEqual("\($0)", "slice: range 2..<5 is outside 0..<3 along axis 1 of shape [2, 3]")
        }
        XCTAssertThrowsError(try Tensor.sliceAxis(2, range: 0..<1, shape: [2, 3])) {
            XCTAssertEqual("\($0)", "slice: axis 2 is out of range for shape [2, 3] (rank 2)")
        }
        XCTAssertThrowsError(try Tensor.concatShape([], axis: 0)) {
            XCTAssertEqual("\($0)", "concat: needs at least one tensor")
        }
        XCTAssertThrowsError(try Tensor.concatShape([[2, 3], [3, 3]], axis: 1)) {
            XCTAssertEqual("\($0)", "concat: shapes [2, 3] and [3, 3] differ outside axis 1")
        }
        XCTAssertThrowsError(try Tensor.concatShape([[2, 3], [2, 3, 1]], axis: 0)) {
            XCTAssertEqual("\($0)", "concat: shapes [2, 3] and [2, 3, 1] have different ranks")
        }
        XCTAssertEqual(try Tensor.concatShape([[2, 3], [2, 5]], axis: -1).shape, [2, 8])
    }
}

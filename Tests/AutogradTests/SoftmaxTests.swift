import TestSupport
import XCTest
@testable import Autograd

final class SoftmaxTests: XCTestCase {
    /// The slow twin: for each slice along `axis`, exp(x − max) / Σ exp(x − max) in `Double`.
    private func naiveSoftmax(_ x: Tensor, axis: Int, logarithm: Bool) -> [Float] {
        let a = axis < 0 ? axis + x.rank : axis
        var out = [Float](repeating: 0, count: x.count)
        var sliceShape = x.shape
        sliceShape[a] = 1
        for start in multiIndices(sliceShape) {
            let members = (0..<x.shape[a]).map { k -> Int in
                var index = start
                index[a] = k
                return flatIndex(index, x.shape)
            }
            let m = members.map { Double(x.data[$0]) }.max()!
            let total = members.map { Foundation.exp(Double(x.data[$0]) - m) }.reduce(0, +)
            for i in members {
                let z = Double(x.data[i]) - m
                out[i] = Float(logarithm ? z - Foundation.log(total) : Foundation.exp(z) / total)
            }
        }
        return out
    }

    private let cases: [([Int], Int)] = [
        ([5], 0), ([5], -1), ([2, 3], -1), ([2, 3], 0), ([2, 3, 4], 1), ([2, 3, 4], -1), ([2, 3, 4], 0),
        ([2, 1, 3, 2], 2), ([2, 2, 3, 2], -4), ([2, 2, 1, 2], 2),
    ]

    func testForwardMatchesTheSlowTwin() {
        var rng = SeededRandom(seed: 51)
        for (shape, axis) in cases {
            let x = Tensor.randn(shape, std: 2, using: &rng)
            let s = x.softmax(axis: axis)
            XCTAssertEqual(s.shape, shape)
            assertClose(s.data, naiveSoftmax(x, axis: axis, logarithm: false), tolerance: 1e-6, "softmax \(shape) \(axis)")
            assertClose(x.logSoftmax(axis: axis).data, naiveSoftmax(x, axis: axis, logarithm: true),
                        tolerance: 1e-6, "logSoftmax \(shape) \(axis)")
            // Every slice sums to 1.
            let totals = s.sum(axes: [axis]).data
            assertClose(totals, [Float](repeating: 1, count: totals.count), tolerance: 1e-6, "sums \(shape) \(axis)")
        }
    }

    func testHandComputedValues() {
        let x = Tensor(shape: [1, 2], data: [0, Float(Foundation.log(3.0))])
        assertClose(x.softmax().data, [0.25, 0.75], tolerance: 1e-6)
        assertClose(x.logSoftmax().data, [Float(Foundation.log(0.25)), Float(Foundation.log(0.75))], tolerance: 1e-6)
        XCTAssertEqual(Tensor(shape: [3], data: [7, 7, 7]).softmax().data, [1.0 / 3, 1.0 / 3, 1.0 / 3])
    }

    func testHugeLogitsStayFinite() {
        let x = Tensor(shape: [2, 3], data: [1000, 0, -1000, -1000, -1000, -999])
        let s = x.softmax()
        XCTAssertEqual(Array(s.data[0..<3]), [1, 0, 0])
        XCTAssertFalse(s.data.contains { !$0.isFinite })
        let l = x.logSoftmax()
        XCTAssertEqual(l.data[0], 0)
        XCTAssertEqual(l.data[1], -1000)
        XCTAssertEqual(l.data[2], -2000)
        let e = Float(Foundation.log1p(2 * Foundation.exp(-1.0)))  // x − max − log(e⁻¹ + e⁻¹ + e⁰)
        XCTAssertEqual(l.data[5], -e, accuracy: 1e-6)
        // Along a strided axis too.
        let column = Tensor(shape: [2, 1], data: [1000, -1000]).softmax(axis: 0)
        XCTAssertEqual(column.data, [1, 0])
        let columns = Tensor(shape: [3, 2], data: [-1000, 5, -1000, 5, -999, 5]).logSoftmax(axis: 0)
        XCTAssertEqual(columns.data[4], -e, accuracy: 1e-6)
    }

    func testGradients() {
        var rng = SeededRandom(seed: 52)
        for (shape, axis) in cases {
            let x = Tensor.randn(shape, using: &rng)
            assertGradcheck([x], "softmax \(shape) axis \(axis)") { $0[0].softmax(axis: axis) }
            assertGradcheck([x], "logSoftmax \(shape) axis \(axis)") { $0[0].logSoftmax(axis: axis) }
        }
    }

    func testLogSoftmaxAgreesWithTheFusedCrossEntropy() {
        var rng = SeededRandom(seed: 53)
        let labels = [2, 0, 3]
        var onehot = [Float](repeating: 0, count: 12)
        for (r, label) in labels.enumerated() { onehot[r * 4 + label] = 1 }
        let z = Tensor.randn([3, 4], using: &rng).requiresGrad(true)
        let composed = -(z.logSoftmax() * Tensor(shape: [3, 4], data: onehot)).sum(axes: [1]).mean()
        composed.backward()
        let composedGrad = z.grad ?? []
        z.zeroGrad()
        let fused = z.softmaxCrossEntropy(labels: labels)
        fused.backward()
        XCTAssertEqual(composed.item, fused.item, accuracy: 1e-6)
        assertClose(composedGrad, z.grad ?? [], tolerance: 1e-6)
    }

    func testLargeInputsMatchTheSlowTwin() {
        var rng = SeededRandom(seed: 54)
        for (shape, axis) in [([300, 200], -1), ([4, 100, 90], 1)] {
            let x = Tensor.randn(shape, std: 3, using: &rng)
            assertClose(x.softmax(axis: axis).data, naiveSoftmax(x, axis: axis, logarithm: false), tolerance: 1e-5, "\(shape)")
            assertClose(x.logSoftmax(axis: axis).data, naiveSoftmax(x, axis: axis, logarithm: true), tolerance: 1e-5, "\(shape)")
        }
    }

    func testAxisErrorNamesTheOpAndShape() {
        XCTAssertThrowsError(try Shape.resolvedAxis(2, shape: [4, 5], op: "softmax")) {
            XCTAssertEqual("\($0)", "softmax: axis 2 is out of range for shape [4, 5] (rank 2)")
        }
        XCTAssertThrowsError(try Shape.resolvedAxis(-1, shape: [], op: "logSoftmax")) {
            XCTAssertEqual("\($0)", "logSoftmax: axis -1 is out of range for shape [] (rank 0)")
        }
    }
}

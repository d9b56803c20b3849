import XCTest
@testable import Autograd

final class PoolingTests: XCTestCase {
    /// The pooling configurations checked: (shape, kernel, stride), including the
    /// kernel-2 stride-2 fast path (with rows of 8 windows or more for its SIMD part, with
    /// and without windows tiling the plane), overlapping windows and sizes that do not divide.
    private let configurations: [([Int], Int, Int?)] = [
        ([2, 3, 8, 8], 2, nil), ([1, 2, 7, 5], 2, 2), ([2, 1, 6, 9], 3, nil),
        ([1, 2, 7, 6], 3, 1), ([2, 2, 5, 5], 2, 1), ([1, 1, 9, 7], 3, 2), ([1, 3, 4, 4], 1, nil),
        ([1, 2, 6, 34], 2, nil), ([1, 1, 5, 19], 2, nil),
    ]

    /// Loop twin: windows of one plane, visited in row-major order.
    private func windows(_ shape: [Int], kernel k: Int, stride: Int?) -> [[Int]] {
        let s = stride ?? k
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let oh = (h - k) / s + 1, ow = (w - k) / s + 1
        var result: [[Int]] = []
        for p in 0..<planes { for r in 0..<oh { for q in 0..<ow {
            var window: [Int] = []
            for i in 0..<k { for j in 0..<k { window.append(p * h * w + (r * s + i) * w + q * s + j) } }
            result.append(window)
        } } }
        return result
    }

    func testForwardMatchesLoops() {
        var rng = SeededRandom(seed: 21)
        for (shape, k, s) in configurations {
            let x = Tensor.randn(shape, using: &rng)
            let wins = windows(shape, kernel: k, stride: s)
            let stride = s ?? k
            let outShape = [shape[0], shape[1], (shape[2] - k) / stride + 1, (shape[3] - k) / stride + 1]
            let maxPooled = x.maxPool2d(kernel: k, stride: s)
            let avgPooled = x.avgPool2d(kernel: k, stride: s)
            XCTAssertEqual(maxPooled.shape, outShape)
            XCTAssertEqual(avgPooled.shape, outShape)
            XCTAssertEqual(maxPooled.data, wins.map { $0.map { x.data[$0] }.max()! }, "max \(shape) k \(k) s \(stride)")
            for (value, window) in zip(avgPooled.data, wins) {
                let mean = window.reduce(0.0) { $0 + Double(x.data[$1]) } / Double(window.count)
                XCTAssertEqual(Double(value), mean, accuracy: 1e-6, "avg \(shape) k \(k) s \(stride)")
            }
        }
    }

    func testMaxGradientLandsOnTheFirstMaximumOfEachWindowOnly() {
        // Values from {0, 1, 2}: almost every window has ties. Integer output gradients
        // keep every sum exact, so the comparison is exact.
        var rng = SeededRandom(seed: 22)
        for (shape, k, s) in configurations {
            let x = Tensor(shape: shape, data: (0..<shape.product).map { _ in Float(rng.nextInt(below: 3)) }, requiresGrad: true)
            let y = x.maxPool2d(kernel: k, stride: s)
            let dy = (0..<y.count).map { _ in Float(rng.nextInt(below: 9) + 1) }
            y.backward(seed: dy)
            var expected = [Float](repeating: 0, count: x.count)
            var tiedWindows = 0
            for (window, g) in zip(windows(shape, kernel: k, stride: s), dy) {
                let top = window.map { x.data[$0] }.max()!
                let first = window.first { x.data[$0] == top }!
                if window.filter({ x.data[$0] == top }).count > 1 { tiedWindows += 1 }
                expected[first] += g
            }
            XCTAssertEqual(x.grad, expected, "max pool \(shape) k \(k) s \(s ?? k)")
            if k > 1 { XCTAssertGreaterThan(tiedWindows, 0, "the test must exercise ties") }
        }
    }

    func testMaxGradientAgreesWithCentralDifferencesWithoutTies() {
        var rng = SeededRandom(seed: 23)
        for (shape, k, s) in configurations {
            // Distinct values 0.1 apart: a ±0.01 step never changes a window's maximum.
            let values = rng.permutation(shape.product).map { Float($0) * 0.1 - 1 }
            let x = Tensor(shape: shape, data: values)
            let check = gradcheck([x], elementwise: true) { $0[0].maxPool2d(kernel: k, stride: s) }
            XCTAssertTrue(check.passed, "max pool \(shape) k \(k) s \(s ?? k): \(check)")
        }
    }

    func testAverageGradientAgreesWithCentralDifferences() {
        var rng = SeededRandom(seed: 24)
        for (shape, k, s) in configurations {
            let x = Tensor.randn(shape, using: &rng)
            let check = gradcheck([x], elementwise: true) { $0[0].avgPool2d(kernel: k, stride: s) }
            XCTAssertTrue(check.passed, "avg pool \(shape) k \(k) s \(s ?? k): \(check)")
        }
    }

    func testMaxPoolingPropagatesNaN() {
        let x = Tensor(shape: [1, 1, 2, 4], data: [1, .nan, 5, 6, 3, 4, 7, 8])
        let y = x.maxPool2d(kernel: 2)
        XCTAssertTrue(y.data[0].isNaN)
        XCTAssertEqual(y.data[1], 8)
    }

    func testMaxPoolingNaNRuleMatchesTheScalarLoopInTheSIMDPath() {
        // Rows of 10 windows: eight through the SIMD path, two through the scalar loop.
        // The rule: a later element replaces the best so far when larger or NaN.
        var rng = SeededRandom(seed: 25)
        let shape = [2, 1, 4, 20]
        let values = (0..<shape.product).map { _ in rng.nextInt(below: 5) == 0 ? Float.nan : Float(rng.nextInt(below: 4)) }
        for relu in [false, true] {
            let x = Tensor(shape: shape, data: values.map { relu ? $0 - 1.5 : $0 }, requiresGrad: true)
            let y = relu ? x.reluMaxPool2d(kernel: 2) : x.maxPool2d(kernel: 2)
            y.backward(seed: [Float](repeating: 1, count: y.count))
            var expected = [Float](), expectedGrad = [Float](repeating: 0, count: x.count)
            for window in windows(shape, kernel: 2, stride: nil) {
                var index = window[0]
                for i in window.dropFirst() where x.data[i] > x.data[index] || x.data[i].isNaN { index = i }
                let best = x.data[index]
                expected.append(relu && best < 0 ? 0 : best)
                if !relu || best > 0 { expectedGrad[index] += 1 }
            }
            for (value, want) in zip(y.data, expected) {
                XCTAssertTrue(value == want || (value.isNaN && want.isNaN), "relu \(relu): \(value) vs \(want)")
            }
            XCTAssertEqual(x.grad, expectedGrad, "relu \(relu)")
        }
    }

    // MARK: - Fused ReLU + max pooling

    func testReluMaxPoolMatchesReluThenMaxPoolWithTies() {
        // Values from {-2, …, 2}: ties and non-positive windows everywhere; integer output
        // gradients keep every sum exact, so values and gradients must agree exactly.
        var rng = SeededRandom(seed: 26)
        for (shape, k, s) in configurations {
            let values = (0..<shape.product).map { _ in Float(rng.nextInt(below: 5) - 2) }
            let dy = (0..<(shape.product)).map { _ in Float(rng.nextInt(below: 9) + 1) }
            let pair = Tensor(shape: shape, data: values, requiresGrad: true)
            let fused = Tensor(shape: shape, data: values, requiresGrad: true)
            let yPair = pair.relu().maxPool2d(kernel: k, stride: s)
            let yFused = fused.reluMaxPool2d(kernel: k, stride: s)
            XCTAssertEqual(yFused.shape, yPair.shape)
            XCTAssertEqual(yFused.data, yPair.data, "\(shape) k \(k) s \(s ?? k)")
            XCTAssertEqual(yFused.op, "reluMaxPool2d")
            yPair.backward(seed: Array(dy.prefix(yPair.count)))
            yFused.backward(seed: Array(dy.prefix(yFused.count)))
            XCTAssertEqual(fused.grad, pair.grad, "\(shape) k \(k) s \(s ?? k)")
            XCTAssertTrue(fused.grad!.contains { $0 != 0 }, "the test must reach some inputs")
        }
    }

    func testReluMaxPoolGradientAgreesWithCentralDifferences() {
        var rng = SeededRandom(seed: 27)
        for (shape, k, s) in configurations {
            // Distinct values 0.1 apart and 0.05 away from ReLU's kink: a ±0.01 step
            // changes neither a window's maximum nor a sign.
            let values = rng.permutation(shape.product).map { Float($0) * 0.1 - 1.05 }
            let x = Tensor(shape: shape, data: values)
            let check = gradcheck([x], elementwise: true) { $0[0].reluMaxPool2d(kernel: k, stride: s) }
            XCTAssertTrue(check.passed, "relu max pool \(shape) k \(k) s \(s ?? k): \(check)")
        }
    }

    func testMisuseIsReportedWithShapes() {
        XCTAssertThrowsError(try PoolGeometry(shape: [1, 1, 3, 5], kernel: 4, stride: nil, op: "maxPool2d")) {
            XCTAssertEqual("\($0)", "maxPool2d: kernel 4 is larger than the 3×5 planes of input [1, 1, 3, 5]")
        }
        XCTAssertThrowsError(try PoolGeometry(shape: [3, 5], kernel: 2, stride: nil, op: "avgPool2d")) {
            XCTAssertEqual("\($0)", "avgPool2d: input must be [N, C, H, W], got shape [3, 5]")
        }
        XCTAssertThrowsError(try PoolGeometry(shape: [1, 1, 4, 4], kernel: 2, stride: 0, op: "maxPool2d"))
    }
}

import TestSupport
import XCTest
@testable import Autograd

final class UnaryTests: XCTestCase {
    private let shapes: [[Int]] = [[5], [2, 3], [2, 1, 3], [2, 2, 1, 2]]

    // MARK: - Forward

    func testForwardMatchesScalarFunctions() {
        let values: [Float] = [0.25, 0.5, 1, 1.5, 2, 3]
        let x = Tensor(shape: [2, 3], data: values)
        let cases: [(String, Tensor, (Float) -> Float)] = [
            ("neg", x.neg(), { -$0 }),
            ("prefix -", -x, { -$0 }),
            ("exp", x.exp(), { Foundation.exp($0) }),
            ("log", x.log(), { Foundation.log($0) }),
            ("sqrt", x.sqrt(), { $0.squareRoot() }),
            ("sigmoid", x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }),
            ("tanh", x.tanh(), { Foundation.tanh($0) }),
            ("abs", (x - 1).abs(), { Swift.abs($0 - 1) }),
            ("pow 2", x.pow(2), { $0 * $0 }),
            ("pow 3", x.pow(3), { $0 * $0 * $0 }),
            ("pow 0.5", x.pow(0.5), { $0.squareRoot() }),
            ("pow -1", x.pow(-1), { 1 / $0 }),
            ("pow -0.5", x.pow(-0.5), { 1 / $0.squareRoot() }),
            ("pow -2", x.pow(-2), { 1 / ($0 * $0) }),
            ("pow 1", x.pow(1), { $0 }),
            ("pow 1.7 (powf)", x.pow(1.7), { Foundation.pow($0, 1.7) }),
            ("pow 0", x.pow(0), { _ in 1 }),
            ("clamp", x.clamped(min: 0.5, max: 1.5), { Swift.min(Swift.max($0, 0.5), 1.5) }),
        ]
        for (name, y, f) in cases {
            XCTAssertEqual(y.shape, [2, 3], name)
            assertClose(y.data, values.map(f), tolerance: 1e-6, name)
        }
        XCTAssertEqual(x.exp().op, "exp")
    }

    func testHandComputedValues() {
        XCTAssertEqual(Tensor(shape: [3], data: [-2, 0, 3]).abs().data, [2, 0, 3])
        XCTAssertEqual(Tensor(shape: [2], data: [4, 9]).sqrt().data, [2, 3])
        XCTAssertEqual(Tensor(shape: [2], data: [2, -3]).pow(3).data, [8, -27])
        XCTAssertEqual(Tensor(0).sigmoid().item, 0.5)
        XCTAssertEqual(Tensor(0).tanh().item, 0)
        XCTAssertEqual(Tensor(1).log().item, 0)
        XCTAssertEqual(Tensor(shape: [4], data: [-5, 0, 0.5, 7]).clamped(min: 0, max: 1).data, [0, 0, 0.5, 1])
    }

    func testFastExponentsAgreeWithPowf() {
        var rng = SeededRandom(seed: 26)
        let x = Tensor.uniform([200], low: 0.01, high: 10, using: &rng)
        for p: Float in [0, 1, 2, 3, 0.5, -0.5, -1, -2] {
            let y = x.pow(p)
            assertClose(y.data, x.data.map { Foundation.pow($0, p) }, tolerance: 3e-7, "pow \(p)")
        }
    }

    func testSigmoidSaturatesWithoutNaN() {
        let y = Tensor(shape: [4], data: [-200, -30, 30, 200]).sigmoid()
        XCTAssertEqual(y.data[0], 0)
        XCTAssertEqual(y.data[3], 1)
        XCTAssertEqual(y.data[1], Float(1 / (1 + Foundation.exp(30.0))), accuracy: 1e-15)
        XCTAssertEqual(y.data[2], 1)
        XCTAssertFalse(y.data.contains { $0.isNaN })
    }

    // MARK: - Gradients

    func testGradientsOfSmoothMaps() {
        var rng = SeededRandom(seed: 21)
        let maps: [(String, (Tensor) -> Tensor)] = [
            ("neg", { $0.neg() }), ("prefix -", { -$0 }), ("exp", { $0.exp() }),
            ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() }),
            ("pow 2", { $0.pow(2) }), ("pow 3", { $0.pow(3) }), ("pow 1", { $0.pow(1) }),
        ]
        for shape in shapes {
            let x = Tensor.randn(shape, using: &rng)
            for (name, f) in maps { assertGradcheck([x], "\(name) \(shape)") { f($0[0]) } }
        }
    }

    func testGradientsOnPositiveDomains() {
        var rng = SeededRandom(seed: 22)
        let maps: [(String, (Tensor) -> Tensor)] = [
            ("log", { $0.log() }), ("sqrt", { $0.sqrt() }),
            ("pow 0.5", { $0.pow(0.5) }), ("pow -0.5", { $0.pow(-0.5) }), ("pow -1", { $0.pow(-1) }),
            ("pow -2", { $0.pow(-2) }), ("pow -1.5", { $0.pow(-1.5) }), ("pow 2.5", { $0.pow(2.5) }),
        ]
        for shape in shapes {
            let x = Tensor.uniform(shape, low: 0.5, high: 2, using: &rng)
            for (name, f) in maps { assertGradcheck([x], "\(name) \(shape)") { f($0[0]) } }
        }
    }

    func testGradientsOfKinkedMapsAwayFromTheKinks() {
        var rng = SeededRandom(seed: 23)
        for shape in shapes {
            // |x| ≥ 0.2 for abs; at least 0.1 from the clamp bounds ±0.5.
            let x = Tensor.randn(shape, using: &rng)
            for i in 0..<x.count {
                x.data[i] = x.data[i] >= 0 ? x.data[i] + 0.2 : x.data[i] - 0.2
                if Swift.abs(Swift.abs(x.data[i]) - 0.5) < 0.1 { x.data[i] *= 1.5 }
            }
            assertGradcheck([x], "abs \(shape)") { $0[0].abs() }
            assertGradcheck([x], "clamp \(shape)") { $0[0].clamped(min: -0.5, max: 0.5) }
        }
    }

    func testGradientsAtTheKinksAreExact() {
        let x = Tensor(shape: [5], data: [-1, 0, 0.5, 1, 2], requiresGrad: true)
        x.abs().backward(seed: [1, 1, 1, 1, 1])
        XCTAssertEqual(x.grad, [-1, 0, 1, 1, 1])  // sign(0) = 0
        x.zeroGrad()
        x.clamped(min: 0, max: 1).backward(seed: [1, 2, 3, 4, 5])
        XCTAssertEqual(x.grad, [0, 2, 3, 4, 0])  // bounds included
        x.zeroGrad()
        x.pow(0).backward(seed: [1, 1, 1, 1, 1])
        XCTAssertEqual(x.grad, [0, 0, 0, 0, 0])  // no 0 · ∞ at x = 0
    }

    func testGradientsUseTheOutputWhereCheaper() {
        // exp′ = exp, tanh′ = 1 − tanh², sigmoid′ = σ(1 − σ), sqrt′ = 1/(2√x), exactly.
        let x = Tensor(shape: [3], data: [0.3, 1.1, 2.2], requiresGrad: true)
        let seed: [Float] = [1, -2, 0.5]
        typealias Case = (name: String, f: (Tensor) -> Tensor, derivative: (_ y: Float, _ x: Float) -> Float)
        let cases: [Case] = [
            ("exp", { $0.exp() }, { y, _ in y }),
            ("tanh", { $0.tanh() }, { y, _ in 1 - y * y }),
            ("sigmoid", { $0.sigmoid() }, { y, _ in y * (1 - y) }),
            ("sqrt", { $0.sqrt() }, { y, _ in 1 / (2 * y) }),
            ("log", { $0.log() }, { _, x in 1 / x }),
        ]
        for (name, f, derivative) in cases {
            x.zeroGrad()
            let y = f(x)
            y.backward(seed: seed)
            let expected = (0..<3).map { seed[$0] * derivative(y.data[$0], x.data[$0]) }
            assertClose(x.grad ?? [], expected, tolerance: 1e-6, name)
        }
    }

    // MARK: - Elementwise power of two tensors

    func testTensorPowerBroadcasts() {
        let base = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let exponent = Tensor(shape: [3], data: [0, 1, 2])
        let y = base.pow(exponent)
        XCTAssertEqual(y.shape, [2, 3])
        XCTAssertEqual(y.data, [1, 2, 9, 1, 5, 36])
        let column = Tensor(shape: [2, 1], data: [2, 0.5])
        let z = Tensor(shape: [3], data: [4, 9, 16]).pow(column)
        XCTAssertEqual(z.shape, [2, 3])
        assertClose(z.data, [Float]([16, 81, 256, 2, 3, 4]), tolerance: 1e-6)
    }

    func testTensorPowerGradients() {
        var rng = SeededRandom(seed: 24)
        let pairs: [([Int], [Int])] = [([2, 3], [2, 3]), ([2, 3], [3]), ([3], [2, 1]), ([2, 1, 3], []), ([4], [1])]
        for (sa, sb) in pairs {
            let a = Tensor.uniform(sa, low: 0.5, high: 2, using: &rng)
            let b = Tensor.uniform(sb, low: -1.5, high: 2.5, using: &rng)
            assertGradcheck([a, b], "pow \(sa) ^ \(sb)") { $0[0].pow($0[1]) }
        }
    }

    func testTensorPowerAtAZeroBase() {
        let a = Tensor(shape: [2], data: [0, 2], requiresGrad: true)
        let b = Tensor(shape: [2], data: [2, 3], requiresGrad: true)
        a.pow(b).backward(seed: [1, 1])
        XCTAssertEqual(a.grad, [0, 12])                              // b·a^(b−1)
        assertClose(b.grad ?? [], [0, 8 * Float(Foundation.log(2.0))], tolerance: 1e-6)  // aᵇ ln a, 0 at a = 0
    }

    // MARK: - Large arrays (parallel chunks)

    func testLargeArraysMatchTheScalarLoop() {
        var rng = SeededRandom(seed: 25)
        let n = 100_003  // several chunks, ragged end
        let x = Tensor.randn([n], using: &rng).requiresGrad(true)
        let y = x.tanh()
        var seed = [Float](repeating: 0, count: n)
        for i in 0..<n { seed[i] = Float(i % 7) - 3 }
        y.backward(seed: seed)
        let grad = x.grad ?? []
        var worstValue: Float = 0, worstGrad: Float = 0
        for i in 0..<n {
            let t = Foundation.tanh(x.data[i])
            worstValue = Swift.max(worstValue, Swift.abs(y.data[i] - t))
            worstGrad = Swift.max(worstGrad, Swift.abs(grad[i] - seed[i] * (1 - t * t)))
        }
        XCTAssertEqual(worstValue, 0)
        XCTAssertEqual(worstGrad, 0)
    }

    // MARK: - Misuse

    func testClampRangeMustBeOrdered() {
        XCTAssertThrowsError(try Tensor.clampRange(2, 1, shape: [3, 4])) {
            XCTAssertEqual("\($0)", "clamp: min 2.0 is above max 1.0 (tensor of shape [3, 4])")
        }
        XCTAssertNoThrow(try Tensor.clampRange(1, 1, shape: [3]))
    }

    func testTensorPowerShapesMustBroadcast() {
        XCTAssertThrowsError(try Shape.broadcast([2, 3], [2], op: "pow")) {
            XCTAssertEqual("\($0)", "pow: shapes [2, 3] and [2] do not broadcast (axis 1: 3 vs 2)")
        }
    }
}

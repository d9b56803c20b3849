import XCTest
@testable import Autograd

final class InitializerTests: XCTestCase {
    private func moments(_ t: Tensor) -> (mean: Double, std: Double, maxAbs: Double) {
        let n = Double(t.count)
        let mean = t.data.reduce(0.0) { $0 + Double($1) } / n
        let variance = t.data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return (mean, variance.squareRoot(), t.data.map { abs(Double($0)) }.max()!)
    }

    func testFansFollowPyTorch() {
        XCTAssertTrue(Initializer.fans(of: [16, 3, 7, 7]) == (147, 784))
        XCTAssertTrue(Initializer.fans(of: [64, 2048]) == (2048, 64))
        XCTAssertTrue(Initializer.fans(of: [5]) == (5, 5))
    }

    func testUniformSchemesStayInTheirBoundsAndFillThem() {
        var rng = SeededRandom(seed: 31)
        let count = 40_000
        let cases: [(String, Tensor, Double)] = [
            ("kaiming √2", Initializer.kaimingUniform(shape: [count], fanIn: 50, rng: &rng), 2.0.squareRoot() * (3.0 / 50).squareRoot()),
            ("kaiming a=√5", Initializer.kaimingUniform(shape: [count], fanIn: 147, gain: Initializer.defaultLayerGain, rng: &rng), 1 / 147.0.squareRoot()),
            ("xavier", Initializer.xavierUniform(shape: [count], fanIn: 30, fanOut: 70, rng: &rng), (6.0 / 100).squareRoot()),
            ("xavier gain 2", Initializer.xavierUniform(shape: [count], fanIn: 30, fanOut: 70, gain: 2, rng: &rng), 2 * (6.0 / 100).squareRoot()),
        ]
        for (name, t, bound) in cases {
            let m = moments(t)
            XCTAssertTrue(t.requiresGrad, name)
            XCTAssertLessThanOrEqual(m.maxAbs, bound * (1 + 1e-6), "\(name): a draw outside ±\(bound)")
            XCTAssertGreaterThan(m.maxAbs, bound * 0.999, "\(name): draws do not reach the bound")
            // U(−b, b) has standard deviation b/√3; 40,000 draws pin it to about ±0.5%.
            XCTAssertEqual(m.std, bound / 3.0.squareRoot(), accuracy: bound * 0.01, name)
            XCTAssertEqual(m.mean, 0, accuracy: bound * 0.02, name)
        }
    }

    func testNormalSchemesHaveTheFormulaStandardDeviation() {
        var rng = SeededRandom(seed: 32)
        let count = 40_000
        let cases: [(String, Tensor, Double)] = [
            ("kaiming normal", Initializer.kaimingNormal(shape: [count], fanIn: 72, rng: &rng), 2.0.squareRoot() / 72.0.squareRoot()),
            ("kaiming normal gain 1", Initializer.kaimingNormal(shape: [count], fanIn: 72, gain: 1, rng: &rng), 1 / 72.0.squareRoot()),
            ("xavier normal", Initializer.xavierNormal(shape: [count], fanIn: 20, fanOut: 60, rng: &rng), (2.0 / 80).squareRoot()),
        ]
        for (name, t, std) in cases {
            let m = moments(t)
            XCTAssertEqual(m.std, std, accuracy: std * 0.015, name)
            XCTAssertEqual(m.mean, 0, accuracy: std * 0.02, name)
            XCTAssertGreaterThan(m.maxAbs, 3 * std, "\(name): tails are missing")
        }
    }

    func testTheSameSeedGivesTheSameNumbers() {
        var a = SeededRandom(seed: 33), b = SeededRandom(seed: 33), c = SeededRandom(seed: 34)
        let x = Initializer.kaimingUniform(shape: [8, 3, 3, 3], fanIn: 27, rng: &a)
        let y = Initializer.kaimingUniform(shape: [8, 3, 3, 3], fanIn: 27, rng: &b)
        let z = Initializer.kaimingUniform(shape: [8, 3, 3, 3], fanIn: 27, rng: &c)
        XCTAssertEqual(x.data, y.data)
        XCTAssertNotEqual(x.data, z.data)
        XCTAssertEqual(Initializer.xavierNormal(shape: [50], fanIn: 5, fanOut: 5, rng: &a).data,
                       Initializer.xavierNormal(shape: [50], fanIn: 5, fanOut: 5, rng: &b).data)
    }

    func testUniformDrawsArePinnedToTheGenerator() {
        // Each element is (2u − 1)·bound with u = nextFloat(): the exact recipe that
        // makes the numbers identical on every platform.
        var rng = SeededRandom(seed: 35), reference = SeededRandom(seed: 35)
        let t = Initializer.uniform(shape: [100], bound: 0.25, rng: &rng)
        XCTAssertEqual(t.data, (0..<100).map { _ in (2 * reference.nextFloat() - 1) * 0.25 })
    }
}

import XCTest
@testable import Autograd

final class MatMulTests: XCTestCase {
    /// Plain triple loop: the oracle.
    private func naive(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { c[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        return c
    }

    private func transpose(_ x: [Float], rows: Int, cols: Int) -> [Float] {
        var t = [Float](repeating: 0, count: x.count)
        for i in 0..<rows { for j in 0..<cols { t[j * rows + i] = x[i * cols + j] } }
        return t
    }

    func testForwardAndGradientForEveryTransposeCombination() {
        var rng = SeededRandom(seed: 7)
        let (m, k, n) = (3, 4, 5)
        for ta in [false, true] {
            for tb in [false, true] {
                let a0 = Tensor.randn([m, k], using: &rng), b0 = Tensor.randn([k, n], using: &rng)
                let a = ta ? Tensor(shape: [k, m], data: transpose(a0.data, rows: m, cols: k)) : a0
                let b = tb ? Tensor(shape: [n, k], data: transpose(b0.data, rows: k, cols: n)) : b0
                let c = a.matmul(b, transposeSelf: ta, transposeOther: tb)
                XCTAssertEqual(c.shape, [m, n])
                for (x, y) in zip(c.data, naive(a0.data, b0.data, m: m, k: k, n: n)) {
                    XCTAssertEqual(x, y, accuracy: 1e-5)
                }
                let check = gradcheck([a, b], elementwise: true) { $0[0].matmul($0[1], transposeSelf: ta, transposeOther: tb) }
                XCTAssertTrue(check.passed, "transposeSelf \(ta) transposeOther \(tb): \(check)")
            }
        }
    }

    func testSgemmSplitAmongWorkersMatchesTheLoops() {
        // Products above `splitMinimum`, split by rows (m ≥ n) and by columns (m < n), for
        // every transpose combination, with padded leading dimensions and beta ≠ 0.
        let savedThreads = Parallelism.threads
        Parallelism.threads = 2
        defer { Parallelism.threads = savedThreads }
        var rng = SeededRandom(seed: 8)
        for (m, n, k) in [(80, 48, 1100), (48, 80, 1100)] {
            XCTAssertGreaterThanOrEqual(m * n * k, BLASSetup.splitMinimum)
            for ta in [false, true] {
                for tb in [false, true] {
                    let (lda, ldb, ldc) = ((ta ? m : k) + 3, (tb ? k : n) + 5, n + 2)
                    let a = (0..<((ta ? k : m) * lda)).map { _ in rng.nextFloat() - 0.5 }
                    let b = (0..<((tb ? n : k) * ldb)).map { _ in rng.nextFloat() - 0.5 }
                    var c = (0..<(m * ldc)).map { _ in rng.nextFloat() - 0.5 }
                    var expected = c.map(Double.init)
                    for i in 0..<m {
                        for j in 0..<n {
                            var sum = 0.0
                            for p in 0..<k {
                                sum += Double(ta ? a[p * lda + i] : a[i * lda + p]) * Double(tb ? b[j * ldb + p] : b[p * ldb + j])
                            }
                            expected[i * ldc + j] = 2 * sum + 0.5 * expected[i * ldc + j]
                        }
                    }
                    c.withUnsafeMutableBufferPointer { pc in
                        sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 2, a, lda: lda, b, ldb: ldb,
                              beta: 0.5, pc.baseAddress!, ldc: ldc)
                    }
                    for (index, (x, y)) in zip(c, expected).enumerated() {
                        XCTAssertEqual(Double(x), y, accuracy: 1e-3, "\(m)×\(n)×\(k) ta \(ta) tb \(tb) at \(index)")
                        if abs(Double(x) - y) > 1e-3 { return }
                    }
                }
            }
        }
    }

    func testLinearMatchesPyTorchLayout() {
        let x = Tensor(shape: [1, 2], data: [1, 2])
        let w = Tensor(shape: [3, 2], data: [1, 0, 0, 1, 1, 1])
        let b = Tensor(shape: [3], data: [0.5, 0, -1])
        XCTAssertEqual(x.linear(weight: w, bias: b).data, [1.5, 2, 2])
        var rng = SeededRandom(seed: 3)
        let xs = Tensor.randn([4, 2], using: &rng)
        let check = gradcheck([xs, w, b], elementwise: true) { $0[0].linear(weight: $0[1], bias: $0[2]) }
        XCTAssertTrue(check.passed, "\(check)")
    }

    func testInnerDimensionMismatchIsNamed() {
        XCTAssertThrowsError(try Tensor.matmulDimensions([2, 3], [4, 5], transposeA: false, transposeB: false)) {
            XCTAssertEqual("\($0)", "matmul: inner dimensions differ: [2, 3] × [4, 5] (3 vs 4)")
        }
    }

    func testCrossEntropyIsStableAndHasTheRightGradient() {
        let logits = Tensor(shape: [2, 3], data: [1000, 0, -1000, 0, 0, 0])
        let loss = logits.softmaxCrossEntropy(labels: [0, 2])
        XCTAssertEqual(loss.item, Float(Foundation.log(3.0) / 2), accuracy: 1e-5)
        var rng = SeededRandom(seed: 5)
        let z = Tensor.randn([4, 5], using: &rng)
        let check = gradcheck([z], elementwise: true) { $0[0].softmaxCrossEntropy(labels: [0, 4, 2, 2]) }
        XCTAssertTrue(check.passed, "\(check)")
    }
}

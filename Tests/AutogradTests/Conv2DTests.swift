import TestSupport
import XCTest
@testable import Autograd

final class Conv2DTests: XCTestCase {
    // MARK: - Oracles

    /// Direct nested loops in Double: the definition of PyTorch's conv2d.
    private func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding p: Int) -> [Double] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oc, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let oh = (h + 2 * p - kh) / s + 1, ow = (wd + 2 * p - kw) / s + 1
        var y = [Double](repeating: 0, count: n * oc * oh * ow)
        for b0 in 0..<n { for o in 0..<oc { for r in 0..<oh { for q in 0..<ow {
            var acc = b.map { Double($0.data[o]) } ?? 0
            for ci in 0..<c { for i in 0..<kh { for j in 0..<kw {
                let ih = r * s - p + i, iw = q * s - p + j
                guard ih >= 0, ih < h, iw >= 0, iw < wd else { continue }
                acc += Double(w.data[((o * c + ci) * kh + i) * kw + j]) * Double(x.data[((b0 * c + ci) * h + ih) * wd + iw])
            } } }
            y[((b0 * oc + o) * oh + r) * ow + q] = acc
        } } } }
        return y
    }

    /// Loop twin of the backward pass: dx, dW, db for output gradient `dy`.
    private func naiveConvBackward(_ x: Tensor, _ w: Tensor, _ dy: [Float], stride s: Int, padding p: Int)
        -> (dx: [Double], dw: [Double], db: [Double]) {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oc, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let oh = (h + 2 * p - kh) / s + 1, ow = (wd + 2 * p - kw) / s + 1
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: oc)
        for b0 in 0..<n { for o in 0..<oc { for r in 0..<oh { for q in 0..<ow {
            let g = Double(dy[((b0 * oc + o) * oh + r) * ow + q])
            db[o] += g
            for ci in 0..<c { for i in 0..<kh { for j in 0..<kw {
                let ih = r * s - p + i, iw = q * s - p + j
                guard ih >= 0, ih < h, iw >= 0, iw < wd else { continue }
                let xi = ((b0 * c + ci) * h + ih) * wd + iw, wi = ((o * c + ci) * kh + i) * kw + j
                dw[wi] += g * Double(x.data[xi])
                dx[xi] += g * Double(w.data[wi])
            } } }
        } } } }
        return (dx, dw, db)
    }


    // MARK: - Forward

    func testForwardMatchesNestedLoopsOverAGridOfShapes() {
        var rng = SeededRandom(seed: 11)
        var cases = 0
        for (n, c, h, w) in [(1, 1, 7, 7), (2, 3, 9, 6), (3, 2, 5, 11)] {
            for k in [1, 3, 5, 7] {
                for s in [1, 2] {
                    for p in 0...(k / 2) where h + 2 * p >= k && w + 2 * p >= k {
                        for oc in [1, 4] {
                            let x = Tensor.randn([n, c, h, w], using: &rng)
                            let wt = Tensor.randn([oc, c, k, k], using: &rng)
                            let b = Tensor.randn([oc], using: &rng)
                            let useBias = oc == 4
                            let y = x.conv2d(weight: wt, bias: useBias ? b : nil, stride: s, padding: p)
                            let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
                            XCTAssertEqual(y.shape, [n, oc, oh, ow])
                            assertClose(y.data, naiveConv(x, wt, useBias ? b : nil, stride: s, padding: p),
                                        tolerance: 1e-5, "x \(x.shape) w \(wt.shape) stride \(s) padding \(p)")
                            cases += 1
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(cases, 60)
    }

    func testNonSquareKernelsMatchNestedLoops() {
        var rng = SeededRandom(seed: 12)
        for (kh, kw, s, p) in [(1, 3, 1, 0), (3, 1, 1, 1), (2, 5, 2, 2), (5, 2, 1, 1)] {
            let x = Tensor.randn([2, 2, 6, 9], using: &rng)
            let w = Tensor.randn([3, 2, kh, kw], using: &rng)
            let b = Tensor.randn([3], using: &rng)
            let y = x.conv2d(weight: w, bias: b, stride: s, padding: p)
            assertClose(y.data, naiveConv(x, w, b, stride: s, padding: p), tolerance: 1e-5, "kernel \(kh)×\(kw)")
        }
    }

    /// A 1-D convolution (H = 1, KH = 1) is a product with a banded (Toeplitz) matrix:
    /// y = T · x with T[t, u] = w[u − t·s] for 0 ≤ u − t·s < K.
    func testOneDimensionalCaseIsAToeplitzProduct() {
        var rng = SeededRandom(seed: 13)
        for (length, k, s) in [(12, 3, 1), (12, 5, 2), (9, 1, 1), (10, 7, 1), (11, 4, 3)] {
            let signal = Tensor.randn([1, 1, 1, length], using: &rng)
            let kernel = Tensor.randn([1, 1, 1, k], using: &rng)
            let outLength = (length - k) / s + 1
            var toeplitz = [Double](repeating: 0, count: outLength * length)
            for t in 0..<outLength { for u in 0..<length where u - t * s >= 0 && u - t * s < k {
                toeplitz[t * length + u] = Double(kernel.data[u - t * s])
            } }
            var expected = [Double](repeating: 0, count: outLength)
            for t in 0..<outLength { for u in 0..<length { expected[t] += toeplitz[t * length + u] * Double(signal.data[u]) } }
            let y = signal.conv2d(weight: kernel, bias: nil, stride: s)
            XCTAssertEqual(y.shape, [1, 1, 1, outLength])
            assertClose(y.data, expected, tolerance: 1e-5, "length \(length) kernel \(k) stride \(s)")

            // With padding p the middle row is the Toeplitz product of the zero-padded
            // signal, and the p extra rows above and below see only zeros.
            let p = k / 2
            let padded = [Float](repeating: 0, count: p) + signal.data + [Float](repeating: 0, count: p)
            let paddedOut = (length + 2 * p - k) / s + 1
            var expectedPadded = [Double](repeating: 0, count: paddedOut)
            for t in 0..<paddedOut { for j in 0..<k { expectedPadded[t] += Double(kernel.data[j]) * Double(padded[t * s + j]) } }
            let yp = signal.conv2d(weight: kernel, bias: Tensor(shape: [1], data: [0.5]), stride: s, padding: p)
            let rows = 1 + 2 * p / s
            XCTAssertEqual(yp.shape, [1, 1, rows, paddedOut])
            let middle = (p + s - 1) / s  // the output row whose taps sit on input row 0
            if p % s == 0 {
                assertClose(Array(yp.data[(middle * paddedOut)..<((middle + 1) * paddedOut)]),
                            expectedPadded.map { $0 + 0.5 }, tolerance: 1e-5, "padded length \(length) kernel \(k)")
            }
            for r in 0..<rows where !(p % s == 0 && r == middle) {
                XCTAssertEqual(Array(yp.data[(r * paddedOut)..<((r + 1) * paddedOut)]),
                               [Float](repeating: 0.5, count: paddedOut), "row \(r) of the padded 1-D case")
            }
        }
    }

    func testColumnMatrixAndCol2imAreTransposes() throws {
        // ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for random x and c.
        var rng = SeededRandom(seed: 14)
        for (k, s, p) in [(3, 1, 1), (5, 2, 2), (2, 3, 0), (7, 1, 3)] {
            let g = try ConvGeometry(input: [1, 2, 8, 7], weight: [1, 2, k, k], bias: nil, stride: s, padding: p)
            let x = (0..<(2 * 8 * 7)).map { _ in Double(rng.nextNormal()) }
            let c = (0..<(g.patchSize * g.outPlane)).map { _ in Double(rng.nextNormal()) }
            let workspace = ConvWorkspace(g)
            defer { workspace.deallocate() }
            let xf = x.map(Float.init), cf = c.map(Float.init)
            workspace.cols.update(repeating: .nan, count: c.count)
            xf.withUnsafeBufferPointer { im2col($0.baseAddress!, g, workspace) }
            let cols = Array(UnsafeBufferPointer(start: workspace.cols, count: c.count))
            cf.withUnsafeBufferPointer { workspace.cols.update(from: $0.baseAddress!, count: c.count) }
            var back = [Float](repeating: 0, count: x.count)
            back.withUnsafeMutableBufferPointer { col2im(g, workspace, $0.baseAddress!) }
            XCTAssertFalse(cols.contains { $0.isNaN }, "im2col must overwrite every entry")
            let lhs = zip(cols, c).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            let rhs = zip(back, x).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * max(1, abs(lhs)), "k \(k) s \(s) p \(p)")
        }
    }

    // MARK: - Gradients

    func testGradientsAgreeWithCentralDifferencesElementwise() {
        var rng = SeededRandom(seed: 15)
        for (k, s, p, h, w) in [(1, 1, 0, 4, 3), (2, 1, 0, 4, 5), (3, 1, 1, 5, 4), (3, 2, 1, 5, 6),
                                (3, 2, 0, 6, 5), (2, 2, 1, 4, 4), (5, 1, 2, 4, 5), (3, 3, 1, 7, 5)] {
            let x = Tensor.randn([2, 2, h, w], using: &rng)
            let wt = Tensor.randn([3, 2, k, k], std: 0.5, using: &rng)
            let b = Tensor.randn([3], using: &rng)
            let check = gradcheck([x, wt, b], elementwise: true) {
                $0[0].conv2d(weight: $0[1], bias: $0[2], stride: s, padding: p)
            }
            XCTAssertTrue(check.passed, "k \(k) stride \(s) padding \(p) input \(h)×\(w): \(check)")
        }
    }

    func testBatchSplitAcrossWorkersMatchesLoopTwin() {
        // Big enough to be split across workers; compared with the loop twin in Double.
        var rng = SeededRandom(seed: 16)
        for (s, p) in [(1, 1), (2, 0)] {
            let x = Tensor.randn([8, 4, 16, 15], using: &rng).requiresGrad(true)
            let w = Tensor.randn([8, 4, 3, 3], std: 0.3, using: &rng).requiresGrad(true)
            let b = Tensor.randn([8], using: &rng).requiresGrad(true)
            let y = x.conv2d(weight: w, bias: b, stride: s, padding: p)
            assertClose(y.data, naiveConv(x, w, b, stride: s, padding: p), tolerance: 1e-5, "forward s \(s)")
            let dy = (0..<y.count).map { _ in rng.nextNormal() }
            y.backward(seed: dy)
            let twin = naiveConvBackward(x, w, dy, stride: s, padding: p)
            assertClose(x.grad ?? [], twin.dx, tolerance: 1e-4, "dx s \(s)")
            assertClose(w.grad ?? [], twin.dw, tolerance: 1e-4, "dW s \(s)")
            assertClose(b.grad ?? [], twin.db, tolerance: 1e-4, "db s \(s)")
        }
    }

    /// The batch is cut into blocks whatever the thread count, each with its own partial
    /// sums added in block order: one thread and two give the same bits.
    func testResultsDoNotDependOnTheThreadCount() {
        defer { ConvTuning.directKernels = DirectConv.cpuSupported }
        for direct in DirectConv.cpuSupported ? [true, false] : [false] {
            ConvTuning.directKernels = direct
            checkResultsDoNotDependOnTheThreadCount()
        }
    }

    private func checkResultsDoNotDependOnTheThreadCount() {
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        var rng = SeededRandom(seed: 18)
        let xv = Tensor.randn([16, 6, 12, 12], using: &rng).data
        let wv = Tensor.randn([8, 6, 5, 5], std: 0.2, using: &rng).data
        let dy = (0..<(16 * 8 * 12 * 12)).map { _ in rng.nextNormal() }
        var runs: [[[Float]]] = []
        for threads in [1, 2] {
            Parallelism.threads = threads
            let x = Tensor(shape: [16, 6, 12, 12], data: xv, requiresGrad: true)
            let w = Tensor(shape: [8, 6, 5, 5], data: wv, requiresGrad: true)
            let b = Tensor.zeros([8], requiresGrad: true)
            let g = try! ConvGeometry(input: x.shape, weight: w.shape, bias: b.shape, stride: 1, padding: 2)
            XCTAssertGreaterThan(imageChunkCount(g), 1, "the batch must be cut into blocks")
            let y = x.conv2d(weight: w, bias: b, padding: 2)
            y.backward(seed: dy)
            runs.append([y.data, x.grad!, w.grad!, b.grad!])
        }
        XCTAssertEqual(runs[0], runs[1], "direct kernels \(ConvTuning.directKernels)")
    }

    func testInputGradientIsSkippedWhenTheInputNeedsNone() {
        var rng = SeededRandom(seed: 17)
        let x = Tensor.randn([2, 3, 6, 6], using: &rng)  // a first layer's input: no gradient
        let w = Tensor.randn([4, 3, 3, 3], using: &rng).requiresGrad(true)
        let y = x.conv2d(weight: w, bias: nil, padding: 1)
        let dy = (0..<y.count).map { _ in rng.nextNormal() }
        y.backward(seed: dy)
        XCTAssertNil(x.grad)
        assertClose(w.grad ?? [], naiveConvBackward(x, w, dy, stride: 1, padding: 1).dw, tolerance: 1e-4, "dW")
    }

    // MARK: - Misuse

    func testMisuseIsReportedWithShapes() {
        XCTAssertThrowsError(try ConvGeometry(input: [1, 3, 8, 8], weight: [4, 2, 3, 3], bias: nil, stride: 1, padding: 0)) {
            XCTAssertEqual("\($0)", "conv2d: weight [4, 2, 3, 3] expects 2 input channels but the input [1, 3, 8, 8] has 3")
        }
        XCTAssertThrowsError(try ConvGeometry(input: [1, 3, 8], weight: [4, 3, 3, 3], bias: nil, stride: 1, padding: 0)) {
            XCTAssertEqual("\($0)", "conv2d: input must be [N, C, H, W], got shape [1, 3, 8]")
        }
        XCTAssertThrowsError(try ConvGeometry(input: [1, 3, 2, 2], weight: [4, 3, 5, 5], bias: nil, stride: 1, padding: 1)) {
            XCTAssertTrue("\($0)".contains("larger than the padded input 4×4"), "\($0)")
        }
        XCTAssertThrowsError(try ConvGeometry(input: [1, 3, 8, 8], weight: [4, 3, 3, 3], bias: [3], stride: 1, padding: 0))
        XCTAssertThrowsError(try ConvGeometry(input: [1, 3, 8, 8], weight: [4, 3, 3, 3], bias: nil, stride: 0, padding: 0))
    }
}

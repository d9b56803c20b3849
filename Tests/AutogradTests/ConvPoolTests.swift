import XCTest
@testable import Autograd

final class ConvPoolTests: XCTestCase {
    /// (input, weight, stride, padding, pool kernel, pool stride): shifted planes with few and
    /// with many planes, im2col (stride 2), pointwise, tiling and non-tiling pooling.
    private let cases: [([Int], [Int], Int, Int, Int, Int?)] = [
        ([6, 3, 12, 12], [4, 3, 7, 7], 1, 3, 2, nil),   // conv1-like: rebuilt columns
        ([5, 16, 8, 8], [6, 16, 5, 5], 1, 2, 2, nil),   // conv2-like: split weight gradient
        ([4, 2, 11, 9], [3, 2, 3, 3], 2, 1, 2, nil),    // stride 2: im2col, odd pooled sizes
        ([3, 4, 7, 6], [5, 4, 1, 1], 1, 0, 3, 2),       // pointwise, overlapping windows
        ([2, 3, 9, 10], [2, 3, 3, 2], 1, 1, 3, nil),    // non-square kernel, 3×3 windows
    ]

    /// Values and all three gradients equal the unfused pair's bit for bit, on the direct
    /// kernels (where the CPU has them) and on the BLAS paths.
    func testFusedOpEqualsConvolutionThenReluMaxPool() {
        defer { ConvTuning.directKernels = DirectConv.cpuSupported }
        for direct in DirectConv.cpuSupported ? [true, false] : [false] {
            ConvTuning.directKernels = direct
            checkFusedOpEqualsThePair()
        }
    }

    private func checkFusedOpEqualsThePair() {
        var rng = SeededRandom(seed: 41)
        for (shape, wShape, s, p, k, ps) in cases {
            let xv = Tensor.randn(shape, using: &rng).data
            let wv = Tensor.randn(wShape, std: 0.3, using: &rng).data
            let bv = Tensor.randn([wShape[0]], std: 0.3, using: &rng).data
            func leaves() -> (Tensor, Tensor, Tensor) {
                (Tensor(shape: shape, data: xv, requiresGrad: true), Tensor(shape: wShape, data: wv, requiresGrad: true),
                 Tensor(shape: [wShape[0]], data: bv, requiresGrad: true))
            }
            let (x1, w1, b1) = leaves(), (x2, w2, b2) = leaves()
            let pair = x1.conv2d(weight: w1, bias: b1, stride: s, padding: p).reluMaxPool2d(kernel: k, stride: ps)
            let fused = x2.conv2dReluMaxPool2d(weight: w2, bias: b2, stride: s, padding: p, poolKernel: k, poolStride: ps)
            let label = "input \(shape) weight \(wShape) stride \(s) padding \(p) pool \(k)/\(ps ?? k), direct \(ConvTuning.directKernels)"
            XCTAssertEqual(fused.op, "conv2dReluMaxPool2d")
            XCTAssertEqual(fused.shape, pair.shape, label)
            XCTAssertEqual(fused.data, pair.data, label)
            XCTAssertTrue(fused.data.contains { $0 > 0 } && fused.data.contains { $0 == 0 }, "ReLU must bite: \(label)")
            let seed = (0..<pair.count).map { _ in rng.nextNormal() }
            pair.backward(seed: seed)
            fused.backward(seed: seed)
            XCTAssertEqual(x2.grad, x1.grad, "dx, \(label)")
            XCTAssertEqual(w2.grad, w1.grad, "dW, \(label)")
            XCTAssertEqual(b2.grad, b1.grad, "db, \(label)")
            XCTAssertTrue(w2.grad!.contains { $0 != 0 }, "the gradient must reach the weights: \(label)")
        }
    }

    func testGradientsAgreeWithCentralDifferences() {
        var rng = SeededRandom(seed: 42)
        // Few pixels, so that the ±0.01 steps rarely move a window's maximum or cross ReLU's
        // kink; with this seed none does, and the check compares the gradients proper.
        let x = Tensor.randn([2, 2, 6, 6], using: &rng)
        let w = Tensor.randn([3, 2, 3, 3], std: 0.5, using: &rng)
        let b = Tensor.randn([3], std: 0.5, using: &rng)
        let check = gradcheck([x, w, b]) { $0[0].conv2dReluMaxPool2d(weight: $0[1], bias: $0[2], padding: 1, poolKernel: 2) }
        XCTAssertTrue(check.passed, "\(check)")
    }

    func testWithoutBiasAndWithoutInputGradient() {
        var rng = SeededRandom(seed: 43)
        let x = Tensor.randn([3, 3, 8, 8], using: &rng)  // a first layer's input
        let w = Tensor.randn([4, 3, 5, 5], std: 0.3, using: &rng).requiresGrad(true)
        let fused = x.conv2dReluMaxPool2d(weight: w, bias: nil, padding: 2, poolKernel: 2)
        let pair = x.conv2d(weight: w, bias: nil, padding: 2).reluMaxPool2d(kernel: 2)
        XCTAssertEqual(fused.data, pair.data)
        fused.backward(seed: [Float](repeating: 1, count: fused.count))
        let fusedGrad = w.grad
        w.zeroGrad()
        pair.backward(seed: [Float](repeating: 1, count: pair.count))
        XCTAssertEqual(fusedGrad, w.grad)
        XCTAssertNil(x.grad)
    }

    /// `Sequential` runs Conv2D · ReLU · MaxPool2D as the fused op, with the values of the
    /// layers applied one at a time.
    func testSequentialFusesTheTriple() {
        var rng = SeededRandom(seed: 44)
        let model = Sequential(Conv2D(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, rng: &rng),
                               ReLU(), MaxPool2D(kernel: 2), Flatten())
        let x = Tensor.randn([2, 3, 6, 6], using: &rng)
        let y = model(x, upTo: 3)
        XCTAssertEqual(y.op, "conv2dReluMaxPool2d")
        XCTAssertEqual(y.data, model.activations(x)[2].data)
        XCTAssertEqual(model(x, upTo: 1).op, "conv2d", "a run cut short is not fused")
    }

    func testPoolingLargerThanTheConvolutionOutputIsReported() {
        let x = Tensor.zeros([1, 1, 4, 4])
        let w = Tensor.zeros([1, 1, 3, 3])
        XCTAssertThrowsError(try PoolGeometry(shape: [1, 1, 2, 2], kernel: 3, stride: nil, op: "conv2dReluMaxPool2d")) {
            XCTAssertEqual("\($0)", "conv2dReluMaxPool2d: kernel 3 is larger than the 2×2 planes of input [1, 1, 2, 2]")
        }
        // The valid configuration next to it runs.
        XCTAssertEqual(x.conv2dReluMaxPool2d(weight: w, bias: nil, poolKernel: 2).shape, [1, 1, 1, 1])
    }
}

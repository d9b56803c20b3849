import TestSupport
import XCTest
@testable import Autograd

/// The AVX-512 kernels (DirectConv.swift) against the BLAS paths they replace, which
/// Conv2DTests and ShiftedPlanesTests check against loops in Double.
final class DirectConvTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(DirectConv.cpuSupported, "this CPU has no AVX-512F: the direct kernels never run")
    }

    override func tearDown() {
        ConvTuning.directKernels = DirectConv.cpuSupported
    }

    /// (input, weight, padding): CNN-A's two layers, then widths that leave a partial run
    /// of 16 pixels, channel counts that leave partial blocks of 16, 8 and 4 output
    /// channels and partial tiles of taps, non-square kernels, no padding and the most.
    private let cases: [([Int], [Int], Int)] = [
        ([8, 3, 32, 32], [16, 3, 7, 7], 3),
        ([8, 16, 16, 16], [32, 16, 5, 5], 2),
        ([3, 5, 9, 21], [13, 5, 3, 3], 1),
        ([2, 4, 7, 37], [29, 4, 2, 5], 0),
        ([3, 2, 6, 5], [7, 2, 4, 3], 2),
        ([2, 6, 11, 17], [3, 6, 5, 4], 3),
        ([1, 1, 5, 1], [1, 1, 3, 1], 0),
    ]

    /// Values and all three gradients of the direct kernels equal the BLAS path's to 1e-5
    /// relative to the size of the terms summed (the same sums on |x|, |w|, |b|, |dy|):
    /// the two add the terms in different orders, and a sum that cancels to near zero
    /// keeps rounding errors of the size of its terms.
    func testDirectKernelsMatchTheBLASPath() throws {
        var rng = SeededRandom(seed: 71)
        for (shape, wShape, p) in cases {
            let g = try ConvGeometry(input: shape, weight: wShape, bias: [wShape[0]], stride: 1, padding: p)
            let xv = Tensor.randn(shape, using: &rng).data
            let wv = Tensor.randn(wShape, std: 0.3, using: &rng).data
            let bv = Tensor.randn([wShape[0]], std: 0.3, using: &rng).data
            let dy = (0..<(g.batch * g.outChannels * g.outPlane)).map { _ in rng.nextNormal() }
            func run(direct: Bool, magnitudes: Bool = false) -> [[Float]] {
                ConvTuning.directKernels = direct
                XCTAssertEqual(DirectConv.apply(to: g), direct)
                let size: ([Float]) -> [Float] = { magnitudes ? $0.map(abs) : $0 }
                let x = Tensor(shape: shape, data: size(xv), requiresGrad: true)
                let w = Tensor(shape: wShape, data: size(wv), requiresGrad: true)
                let b = Tensor(shape: [wShape[0]], data: size(bv), requiresGrad: true)
                let y = x.conv2d(weight: w, bias: b, padding: p)
                y.backward(seed: size(dy))
                return [y.data, x.grad!, w.grad!, b.grad!]
            }
            let direct = run(direct: true), blas = run(direct: false), scale = run(direct: false, magnitudes: true)
            let label = "input \(shape) weight \(wShape) padding \(p)"
            for (k, name) in ["y", "dx", "dW", "db"].enumerated() {
                assertClose(direct[k], blas[k], tolerance: 1e-5, scale: scale[k], floor: 1e-6, "\(name), \(label)")
            }
        }
    }

    /// The fused convolution · ReLU · max pooling on the direct kernels: the same values
    /// and gradients as on the BLAS path, and as the unfused pair on the direct kernels.
    func testFusedOpOnDirectKernels() throws {
        var rng = SeededRandom(seed: 72)
        let shape = [10, 3, 12, 20], wShape = [6, 3, 5, 5]
        let xv = Tensor.randn(shape, using: &rng).data
        let wv = Tensor.randn(wShape, std: 0.3, using: &rng).data
        let bv = Tensor.randn([6], std: 0.3, using: &rng).data
        let seed = (0..<(10 * 6 * 6 * 10)).map { _ in rng.nextNormal() }
        func run(direct: Bool, fused: Bool) -> [[Float]] {
            ConvTuning.directKernels = direct
            let x = Tensor(shape: shape, data: xv, requiresGrad: true)
            let w = Tensor(shape: wShape, data: wv, requiresGrad: true)
            let b = Tensor(shape: [6], data: bv, requiresGrad: true)
            let y = fused
                ? x.conv2dReluMaxPool2d(weight: w, bias: b, padding: 2, poolKernel: 2)
                : x.conv2d(weight: w, bias: b, padding: 2).reluMaxPool2d(kernel: 2)
            y.backward(seed: seed)
            return [y.data, x.grad!, w.grad!, b.grad!]
        }
        let directFused = run(direct: true, fused: true)
        XCTAssertEqual(directFused, run(direct: true, fused: false), "fused vs pair, bit for bit")
        let blas = run(direct: false, fused: true)
        // Sizes of the terms: the unfused convolution on |x|, |w|, |b| with every pixel of a
        // pooling window given the window's |gradient| (a bound on the one the pooling passes).
        ConvTuning.directKernels = false
        let x = Tensor(shape: shape, data: xv.map(abs), requiresGrad: true)
        let w = Tensor(shape: wShape, data: wv.map(abs), requiresGrad: true)
        let b = Tensor(shape: [6], data: bv.map(abs), requiresGrad: true)
        let y = x.conv2d(weight: w, bias: b, padding: 2)
        var spread = [Float](repeating: 0, count: y.count)
        for k in 0..<y.count {
            let (plane, row, column) = (k / 240, k % 240 / 20, k % 20)
            spread[k] = abs(seed[plane * 60 + row / 2 * 10 + column / 2])
        }
        y.backward(seed: spread)
        let scales = [y.data, x.grad!, w.grad!, b.grad!].map { $0.max()! }
        for (k, name) in ["y", "dx", "dW", "db"].enumerated() {
            assertClose(directFused[k], blas[k], tolerance: 1e-5, scale: [Float](repeating: scales[k], count: blas[k].count),
                        floor: 1e-6, "fused \(name)")
        }
        XCTAssertTrue(directFused[2].contains { $0 != 0 }, "the gradient must reach the weights")
    }

    /// Gradients on the direct kernels agree with central differences, with a partial
    /// run of pixels and partial channel blocks.
    func testGradientsAgreeWithCentralDifferences() throws {
        var rng = SeededRandom(seed: 73)
        let x = Tensor.randn([2, 3, 4, 18], using: &rng)
        let w = Tensor.randn([5, 3, 3, 2], std: 0.4, using: &rng)
        let b = Tensor.randn([5], using: &rng)
        let g = try ConvGeometry(input: x.shape, weight: w.shape, bias: b.shape, stride: 1, padding: 1)
        XCTAssertTrue(DirectConv.apply(to: g))
        let check = gradcheck([x, w, b], elementwise: true) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1) }
        XCTAssertTrue(check.passed, "\(check)")
    }

    /// Other strides, 1×1 kernels and padding as large as the kernel keep their BLAS paths.
    func testOnlyStrideOneWithSmallPaddingRunsDirect() throws {
        func applies(_ w: [Int], stride: Int, padding: Int) throws -> Bool {
            DirectConv.apply(to: try ConvGeometry(input: [1, 2, 9, 9], weight: w, bias: nil, stride: stride, padding: padding))
        }
        XCTAssertTrue(try applies([3, 2, 3, 3], stride: 1, padding: 2))
        XCTAssertFalse(try applies([3, 2, 3, 3], stride: 1, padding: 3))
        XCTAssertFalse(try applies([3, 2, 3, 3], stride: 2, padding: 1))
        XCTAssertFalse(try applies([3, 2, 1, 1], stride: 1, padding: 0))
        XCTAssertFalse(try applies([3, 2, 2, 1], stride: 1, padding: 1), "padding 1 is the whole 1-wide kernel")
    }

    /// The input gradient's weight layout: `out[(o·KH + i)·KW + j, c] = w[o, c, KH−1−i, KW−1−j]`.
    func testFlippedWeightLayout() throws {
        let g = try ConvGeometry(input: [1, 3, 8, 8], weight: [4, 3, 2, 5], bias: nil, stride: 1, padding: 1)
        let w: [Float] = (0..<120).map { Float($0) }
        let flipped = DirectConv.flippedWeights(w, g)
        // o 2, c 1, flipped row 1 and column 3: w[2, 1, 0, 1].
        let flippedIndex: Int = ((2 * 2 + 1) * 5 + 3) * 3 + 1
        let originalIndex: Int = ((2 * 3 + 1) * 2 + 0) * 5 + 1
        XCTAssertEqual(flipped[flippedIndex], w[originalIndex])
        XCTAssertEqual(flipped.sorted(), w)
    }
}

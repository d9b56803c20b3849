import TestSupport
import XCTest
import Foundation
import Autograd
@testable import Splatting

final class GaussianRasterizerTests: XCTestCase {
    /// Central differences in Double on a tiny case, all four combinations. The cutoff is
    /// wide enough (8σ covers the image) that no pixel crosses it under the perturbation.
    func testGradcheck() {
        for (kind, channels) in allCombinations {
            let c = SplatCase(count: 3, kind: kind, channels: channels, height: 12, width: 10, seed: 19, sigma: 1.5...3)
            let result = gradcheck(c.inputs, epsilon: 2e-3, tolerance: 1e-2, elementwise: true) { t in
                rasterizeGaussians(means: t[0], shape: t[1], colors: t[2], height: 12, width: 10, cutoff: 8)
            }
            XCTAssertTrue(result.passed, "\(kind) C=\(channels): \(result)")
        }
    }

    func testZeroGaussiansGiveBlackAndEmptyGradients() {
        let means = Tensor.zeros([0, 2], requiresGrad: true)
        let shape = Tensor.zeros([0, 1], requiresGrad: true)
        let colors = Tensor.zeros([0, 3], requiresGrad: true)
        let image = rasterizeGaussians(means: means, shape: shape, colors: colors, height: 5, width: 7)
        XCTAssertEqual(image.shape, [5, 7, 3])
        XCTAssertEqual(image.data, [Float](repeating: 0, count: 105))
        image.sum().backward()
        XCTAssertEqual(means.grad ?? [], [])
        XCTAssertEqual(rasterizedPairCount(means: means, shape: shape, height: 5, width: 7), 0)
    }

    func testOnePixelImage() {
        for (kind, channels) in allCombinations {
            let c = SplatCase(count: 6, kind: kind, channels: channels, height: 1, width: 1, seed: 23)
            XCTAssertLessThan(relativeError(c.fast(cutoff: 6).data, c.dense().data), 1e-5)
        }
        let image = rasterizeGaussians(means: Tensor(shape: [1, 2], data: [0.5, 0.5]), shape: Tensor(shape: [1, 1], data: [1]),
                                       colors: Tensor(shape: [1, 1], data: [0.7]), height: 1, width: 1)
        XCTAssertEqual(image.data, [0.7])
    }

    func testGaussianFarOutsideContributesNothing() {
        let means = Tensor(shape: [1, 2], data: [-500, 40], requiresGrad: true)
        let shape = Tensor(shape: [1, 3], data: [0.5, 0.2, 0.4], requiresGrad: true)
        let colors = Tensor(shape: [1, 3], data: [1, 1, 1], requiresGrad: true)
        let image = rasterizeGaussians(means: means, shape: shape, colors: colors, height: 30, width: 30)
        XCTAssertEqual(image.data.max(), 0)
        image.sum().backward()
        XCTAssertEqual(means.grad, [0, 0])
        XCTAssertEqual(shape.grad, [0, 0, 0])
        XCTAssertEqual(colors.grad, [0, 0, 0])
        XCTAssertEqual(rasterizedPairCount(means: means, shape: shape, height: 30, width: 30), 0)
    }

    /// l22 = 0 (an infinite band) and l11 = l22 = 0 (an infinite plane through x): the
    /// rasterizer covers the whole image and still matches the dense twin, values and gradients.
    func testDegenerateGaussians() {
        let c = SplatCase(means: Tensor(shape: [3, 2], data: [10, 8, 4, 12, 15, 3]),
                          shape: Tensor(shape: [3, 3], data: [0.4, 0.3, 0, 0, 0.25, 0, 0.5, 0.1, 0.6]),
                          colors: Tensor(shape: [3, 3], data: [0.5, 0.2, 0.1, 0.3, -0.2, 0.4, 1, 1, 1]),
                          height: 19, width: 23)
        let fast = c.fast(cutoff: 6)
        XCTAssertLessThan(relativeError(fast.data, c.dense().data), 1e-5)
        let result = gradcheck(c.inputs, epsilon: 2e-3, tolerance: 1e-2) { t in
            rasterizeGaussians(means: t[0], shape: t[1], colors: t[2], height: 19, width: 23, cutoff: 6)
        }
        XCTAssertTrue(result.passed, "\(result)")
        XCTAssertEqual(rasterizedPairCount(means: c.means, shape: c.shape, height: 19, width: 23, cutoff: 6) >= 2 * 19 * 23, true)
    }

    /// A Gaussian with a NaN (or infinite) parameter is skipped: the image is that of the
    /// others, and its gradient is zero.
    func testNonFiniteGaussiansAreSkipped() {
        let c = SplatCase(count: 6, kind: .anisotropic, channels: 3, height: 16, width: 20, seed: 29)
        func without(_ g: Int, _ t: Tensor) -> Tensor {
            Tensor.concat([t.slice(axis: 0, range: 0..<g), t.slice(axis: 0, range: (g + 1)..<6)], axis: 0)
        }
        // (tensor, flat index, Gaussian it belongs to)
        for (tensor, index, gaussian) in [(c.means, 1, 0), (c.shape, 4, 1), (c.colors, 7, 2), (c.means, 10, 5)] {
            for bad: Float in [.nan, .infinity, -.infinity] {
                let saved = tensor.data[index]
                tensor.data[index] = bad
                for x in c.inputs { _ = x.requiresGrad(true); x.zeroGrad() }
                let image = c.fast()
                image.sum().backward()
                let rest = SplatCase(means: without(gaussian, c.means), shape: without(gaussian, c.shape),
                                     colors: without(gaussian, c.colors), height: 16, width: 20)
                XCTAssertEqual(image.data, rest.fast().data, "Gaussian \(gaussian) with \(bad)")
                XCTAssertEqual(c.means.grad![(2 * gaussian)..<(2 * gaussian + 2)], [0, 0])
                XCTAssertEqual(c.shape.grad![(3 * gaussian)..<(3 * gaussian + 3)], [0, 0, 0])
                XCTAssertEqual(c.colors.grad![(3 * gaussian)..<(3 * gaussian + 3)], [0, 0, 0])
                for x in c.inputs { x.zeroGrad(); _ = x.requiresGrad(false) }
                tensor.data[index] = saved
            }
        }
    }

    /// The image and gradients are identical bit for bit with 1 and 2 threads.
    func testThreadCountDoesNotChangeResults() {
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        let c = SplatCase(count: 120, kind: .anisotropic, channels: 3, height: 70, width: 90, seed: 31)
        var results: [[[Float]]] = []
        for threads in [1, 2] {
            Parallelism.threads = threads
            for x in c.inputs { _ = x.requiresGrad(true); x.zeroGrad() }
            let image = c.fast()
            var rng = SeededRandom(seed: 1)
            (image * Tensor.randn(image.shape, using: &rng)).sum().backward()
            results.append([image.data] + c.inputs.map { $0.grad! })
        }
        for x in c.inputs { x.zeroGrad(); _ = x.requiresGrad(false) }
        for k in 0..<4 { XCTAssertEqual(results[0][k], results[1][k], "array \(k)") }
    }

    /// The pair count: whole tile rows the ellipse meets, at least the pairs inside the cutoff,
    /// far below N·H·W.
    func testPairCount() {
        // σ = 2, cutoff 3: rows 4..<16, one 16-wide tile.
        let one = rasterizedPairCount(means: Tensor(shape: [1, 2], data: [10, 10]), shape: Tensor(shape: [1, 1], data: [0.5]),
                                      height: 40, width: 40, cutoff: 3)
        XCTAssertEqual(one, 12 * 16)
        // Straddling a tile corner: rows 10..<22 in two tile rows, two tile columns (the second 8 wide).
        let corner = rasterizedPairCount(means: Tensor(shape: [1, 2], data: [16, 16]), shape: Tensor(shape: [1, 1], data: [0.5]),
                                         height: 40, width: 24, cutoff: 3)
        XCTAssertEqual(corner, 6 * 16 + 6 * 8 + 6 * 16 + 6 * 8)
        let c = SplatCase(count: 200, kind: .anisotropic, channels: 3, height: 128, width: 128, seed: 37)
        let pairs = rasterizedPairCount(means: c.means, shape: c.shape, height: 128, width: 128)
        // At least every pair inside the cutoff, at most every box row of every tile a box overlaps.
        var inside = 0, boxRows = 0
        for i in 0..<200 {
            let (mx, my) = (c.means.data[2 * i], c.means.data[2 * i + 1])
            let (l11, l21, l22) = (c.shape.data[3 * i], c.shape.data[3 * i + 1], c.shape.data[3 * i + 2])
            for r in 0..<128 {
                for col in 0..<128 {
                    let dx = Float(col) + 0.5 - mx, dy = Float(r) + 0.5 - my
                    let u = l11 * dx + l21 * dy, v = l22 * dy
                    if u * u + v * v <= 3.5 * 3.5 { inside += 1 }
                }
            }
        }
        let p = projectGaussians(means: c.means.data, shape: c.shape.data, kind: .anisotropic, colors: [],
                                 count: 200, channels: 1, height: 128, width: 128, cutoff: 3.5)
        let bins = TileBins(p, height: 128, width: 128)
        for t in 0..<bins.tileCount { boxRows += bins.rowCost[t] * 16 }
        XCTAssertGreaterThanOrEqual(pairs, inside)
        XCTAssertLessThanOrEqual(pairs, boxRows)
        XCTAssertLessThan(pairs, 200 * 128 * 128 / 10)
    }
}

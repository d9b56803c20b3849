import XCTest
import Autograd
@testable import Splatting

final class LossesBlurTests: XCTestCase {
    // MARK: - The slow twin

    /// Direct 2-D correlation with the outer product of `taps`, pixel by pixel; outside pixels
    /// mirrored one edge at a time until they land inside (reflect) or skipped (zero).
    private func directBlur(_ x: [Float], _ h: Int, _ w: Int, _ c: Int, taps: [Float], boundary: BlurBoundary) -> [Float] {
        func source(_ p: Int, _ n: Int) -> Int? {
            var p = p
            if boundary == .zero { return (0..<n).contains(p) ? p : nil }
            while p < 0 || p >= n { p = p < 0 ? -1 - p : 2 * n - 1 - p }
            return p
        }
        let r = (taps.count - 1) / 2
        var y = [Float](repeating: 0, count: x.count)
        for i in 0..<h {
            for j in 0..<w {
                for k in 0..<c {
                    var acc = 0.0
                    for u in -r...r {
                        for v in -r...r {
                            guard let si = source(i + u, h), let sj = source(j + v, w) else { continue }
                            acc += Double(taps[u + r]) * Double(taps[v + r]) * Double(x[(si * w + sj) * c + k])
                        }
                    }
                    y[(i * w + j) * c + k] = Float(acc)
                }
            }
        }
        return y
    }

    private func randomImage(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor.uniform(shape, low: 0, high: 1, using: &rng)
    }

    // MARK: - Forward

    func testGaussianTapsAreNormalisedGaussian() {
        let taps = gaussianTaps(sigma: 1.5, radius: 5)
        XCTAssertEqual(taps.count, 11)
        XCTAssertEqual(taps.reduce(0, +), 1, accuracy: 1e-6)
        let total = (-5...5).map { Foundation.exp(-Double($0 * $0) / 4.5) }.reduce(0, +)
        for t in -5...5 {
            XCTAssertEqual(Double(taps[t + 5]), Foundation.exp(-Double(t * t) / 4.5) / total, accuracy: 1e-7)
        }
    }

    func testGaussianBlurMatchesDirectConvolution() {
        // Odd sizes, C = 1 and 3, radius below, near and above the image extent.
        let cases: [(shape: [Int], sigma: Float, radius: Int)] = [
            ([7, 5, 1], 1.0, 2), ([6, 9, 3], 1.5, 3), ([13, 11, 3], 2.0, 5), ([3, 5, 1], 1.2, 4), ([1, 4, 3], 0.8, 2),
        ]
        for (index, item) in cases.enumerated() {
            let x = randomImage(item.shape, seed: UInt64(index))
            for boundary in BlurBoundary.allCases {
                let y = gaussianBlur(x, sigma: item.sigma, radius: item.radius, boundary: boundary)
                XCTAssertEqual(y.shape, item.shape)
                let expected = directBlur(x.data, item.shape[0], item.shape[1], item.shape[2],
                                          taps: gaussianTaps(sigma: item.sigma, radius: item.radius), boundary: boundary)
                for i in expected.indices {
                    XCTAssertEqual(y.data[i], expected[i], accuracy: 1e-5, "case \(index) \(boundary) element \(i)")
                }
            }
        }
    }

    func testBoxBlurMatchesDirectConvolution() {
        let x = randomImage([8, 11, 3], seed: 7)
        for boundary in BlurBoundary.allCases {
            let y = boxBlur(x, radius: 3, boundary: boundary)
            let expected = directBlur(x.data, 8, 11, 3, taps: [Float](repeating: 1 / 7, count: 7), boundary: boundary)
            for i in expected.indices { XCTAssertEqual(y.data[i], expected[i], accuracy: 1e-5, "\(boundary) element \(i)") }
        }
    }

    func testReflectBlurKeepsConstantImageAndZeroDarkensEdges() {
        let x = Tensor.full([9, 7, 3], 0.625)
        let reflected = gaussianBlur(x, sigma: 1.5, radius: 5)
        for v in reflected.data { XCTAssertEqual(v, 0.625, accuracy: 1e-6) }
        // Zeros outside: each pixel keeps 0.625 × (tap mass inside along H) × (along W).
        let zero = gaussianBlur(x, sigma: 1.5, radius: 5, boundary: .zero)
        let taps = gaussianTaps(sigma: 1.5, radius: 5)
        func inside(_ i: Int, _ n: Int) -> Float { (-5...5).filter { (0..<n).contains(i + $0) }.map { taps[$0 + 5] }.reduce(0, +) }
        for i in 0..<9 {
            for j in 0..<7 {
                XCTAssertEqual(zero.data[(i * 7 + j) * 3 + 1], 0.625 * inside(i, 9) * inside(j, 7), accuracy: 1e-6)
            }
        }
        XCTAssertLessThan(zero.data[0], 0.3)  // a corner keeps about a quarter
    }

    func testRadiusZeroIsIdentity() {
        let x = randomImage([4, 5, 3], seed: 3)
        XCTAssertEqual(gaussianBlur(x, sigma: 1, radius: 0).data, x.data)
        XCTAssertEqual(boxBlur(x, radius: 0, boundary: .zero).data, x.data)
    }

    func testReflectFoldIsSymmetricExtension() {
        // n = 3: … c b a | a b c | c b a | a b c …
        let folded = (-7...8).map { AxisFilter.fold($0, length: 3, boundary: .reflect)! }
        XCTAssertEqual(folded, [0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2])
        XCTAssertNil(AxisFilter.fold(-1, length: 3, boundary: .zero))
        XCTAssertEqual(AxisFilter.fold(2, length: 3, boundary: .zero), 2)
    }

    // MARK: - Backward

    func testBlurGradcheck() {
        for boundary in BlurBoundary.allCases {
            let x = randomImage([6, 5, 3], seed: 11)
            let result = gradcheck([x], elementwise: true) { t in gaussianBlur(t[0], sigma: 1.3, radius: 3, boundary: boundary) }
            XCTAssertTrue(result.passed, "\(boundary): \(result)")
            let small = randomImage([2, 3, 1], seed: 12)  // radius beyond the image: reflections overlap
            let overlap = gradcheck([small], elementwise: true) { t in boxBlur(t[0], radius: 4, boundary: boundary) }
            XCTAssertTrue(overlap.passed, "\(boundary) box r4 on 2×3: \(overlap)")
        }
    }

    func testTransposedFilterIsTheAdjoint() {
        // ⟨F x, y⟩ = ⟨x, Fᵀ y⟩ for random x, y, on a size where edge rows dominate.
        var rng = SeededRandom(seed: 5)
        for boundary in BlurBoundary.allCases {
            let filter = ImageFilter(taps: gaussianTaps(sigma: 2, radius: 4), boundary: boundary, height: 5, width: 7)
            let x = (0..<(5 * 7 * 2)).map { _ in rng.nextNormal() }
            let y = (0..<(5 * 7 * 2)).map { _ in rng.nextNormal() }
            let fx = filter.apply(x, channels: 2), fty = filter.transposed().apply(y, channels: 2)
            let left = zip(fx, y).map { Double($0) * Double($1) }.reduce(0, +)
            let right = zip(x, fty).map { Double($0) * Double($1) }.reduce(0, +)
            XCTAssertEqual(left, right, accuracy: 1e-4 * max(1, abs(left)), "\(boundary)")
        }
    }

    // MARK: - Misuse

    func testImageExtentsRejectsNonImages() {
        XCTAssertThrowsError(try imageExtents([4, 4], op: "gaussianBlur")) { error in
            XCTAssertEqual("\(error)", "gaussianBlur: expected an image of shape [H, W, C] with every extent at least 1, got [4, 4]")
        }
        XCTAssertThrowsError(try imageExtents([0, 4, 3], op: "ssim"))
        XCTAssertEqual(try imageExtents([2, 3, 1], op: "ssim").width, 3)
    }
}

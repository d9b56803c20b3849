import XCTest
import Autograd
@testable import Splatting

final class LossesSSIMTests: XCTestCase {
    // MARK: - Fixtures

    /// The images of the Python reference below, computed in Double and rounded to Float:
    /// a = 0.5 + 0.4 sin(0.9h + 1.7w + 2.3c),  b = 0.8a + 0.1 + n cos(1.3h − 0.6w + c).
    private func formulaPair(_ h: Int, _ w: Int, _ c: Int, noise n: Double) -> (Tensor, Tensor) {
        var a = [Float](), b = [Float]()
        for i in 0..<h {
            for j in 0..<w {
                for k in 0..<c {
                    let x = Float(0.5 + 0.4 * sin(0.9 * Double(i) + 1.7 * Double(j) + 2.3 * Double(k)))
                    a.append(x)
                    b.append(Float(0.8 * Double(x) + 0.1 + n * cos(1.3 * Double(i) - 0.6 * Double(j) + Double(k))))
                }
            }
        }
        return (Tensor(shape: [h, w, c], data: a), Tensor(shape: [h, w, c], data: b))
    }

    private func randomImage(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor.uniform(shape, low: 0, high: 1, using: &rng)
    }

    /// The slow twin: SSIM from the blur ops and ordinary tensor arithmetic, cropped by slicing.
    private func twinSSIM(_ a: Tensor, _ b: Tensor, window: SSIMWindow, size: Int) -> Tensor {
        let r = (size - 1) / 2
        let blur: (Tensor) -> Tensor
        let k: Float, crop: Int
        switch window {
        case .gaussian11:
            blur = { gaussianBlur($0, sigma: 1.5, radius: r, boundary: .zero) }
            k = 1; crop = 0
        case .uniform7:
            blur = { boxBlur($0, radius: r) }
            k = size > 1 ? Float(size * size) / Float(size * size - 1) : 1; crop = r
        }
        let ma = blur(a), mb = blur(b)
        let va = k * (blur(a * a) - ma * ma), vb = k * (blur(b * b) - mb * mb), vab = k * (blur(a * b) - ma * mb)
        let s = ((2 * ma * mb + 0.0001) * (2 * vab + 0.0009)) / ((ma * ma + mb * mb + 0.0001) * (va + vb + 0.0009))
        let kept = s.slice(axis: 0, range: crop..<(a.shape[0] - crop)).slice(axis: 1, range: crop..<(a.shape[1] - crop))
        return kept.mean()
    }

    // MARK: - Reference values

    func testUniform7MatchesScikitImage() {
        // Expected values from scikit-image 0.26.0 (numpy 2.4.6, scipy 1.17.1), /tmp/refvenv:
        //   import numpy as np
        //   from skimage.metrics import structural_similarity
        //   def imgs(H, W, C, n):
        //       h, w, c = np.meshgrid(np.arange(H), np.arange(W), np.arange(C), indexing="ij")
        //       a = (0.5 + 0.4 * np.sin(0.9 * h + 1.7 * w + 2.3 * c)).astype(np.float32).astype(np.float64)
        //       b = (0.8 * a + 0.1 + n * np.cos(1.3 * h - 0.6 * w + c)).astype(np.float32).astype(np.float64)
        //       return a, b
        //   for (H, W, C, win, n) in [(12, 10, 3, 7, 0.15), (9, 8, 1, 7, 0.3), (16, 13, 3, 7, 0.05), (5, 6, 3, 5, 0.2)]:
        //       a, b = imgs(H, W, C, n)
        //       if C == 1: v = structural_similarity(a[..., 0], b[..., 0], data_range=1.0, win_size=win)
        //       else: v = structural_similarity(a, b, data_range=1.0, channel_axis=-1, win_size=win)
        //       print(H, W, C, n, repr(v))
        // (the 5×6 image is smaller than 7, so the window shrinks to 5, which skimage is told.)
        let cases: [(h: Int, w: Int, c: Int, noise: Double, expected: Double)] = [
            (12, 10, 3, 0.15, 0.8994723479814493),
            (9, 8, 1, 0.3, 0.7288832754879427),
            (16, 13, 3, 0.05, 0.9666077131314698),
            (5, 6, 3, 0.2, 0.8456357388632308),
        ]
        for item in cases {
            let (a, b) = formulaPair(item.h, item.w, item.c, noise: item.noise)
            XCTAssertEqual(ssimValue(a, b, window: .uniform7), item.expected, accuracy: 1e-4, "\(item)")
            XCTAssertEqual(Double(ssim(a, b, window: .uniform7).item), item.expected, accuracy: 1e-4, "\(item)")
        }
    }

    func testGaussian11MatchesThe3DGSFormula() {
        // 3DGS's ssim() (conv2d, 11×11 Gaussian σ 1.5, zero padding 5, mean of the map) in NumPy:
        //   from scipy.ndimage import correlate1d
        //   t = np.exp(-(np.arange(11) - 5.0) ** 2 / (2 * 1.5 ** 2)); t /= t.sum()
        //   G = lambda x: correlate1d(correlate1d(x, t, axis=0, mode="constant"), t, axis=1, mode="constant")
        //   ma, mb = G(a), G(b); va, vb, vab = G(a*a) - ma*ma, G(b*b) - mb*mb, G(a*b) - ma*mb
        //   C1, C2 = 0.01 ** 2, 0.03 ** 2
        //   (((2*ma*mb + C1) * (2*vab + C2)) / ((ma**2 + mb**2 + C1) * (va + vb + C2))).mean()
        // with imgs() as in testUniform7MatchesScikitImage.
        let cases: [(h: Int, w: Int, c: Int, noise: Double, expected: Double)] = [
            (12, 11, 3, 0.15, 0.9317175674127542),
            (16, 13, 1, 0.3, 0.7925326228874839),
        ]
        for item in cases {
            let (a, b) = formulaPair(item.h, item.w, item.c, noise: item.noise)
            XCTAssertEqual(ssimValue(a, b), item.expected, accuracy: 1e-4, "\(item)")
        }
    }

    // MARK: - Properties

    func testIdenticalImagesGiveOne() {
        for shape in [[9, 8, 3], [1, 1, 1], [1, 1, 3], [3, 2, 1], [20, 17, 3]] {
            let a = randomImage(shape, seed: 1)
            for window in SSIMWindow.allCases {
                XCTAssertEqual(ssimValue(a, a, window: window), 1, accuracy: 1e-5, "\(shape) \(window)")
                XCTAssertEqual(ssim(a, a.detached(), window: window).item, 1, accuracy: 1e-5, "\(shape) \(window)")
            }
        }
    }

    func testOffsetLowersSSIMAndOrderDoesNotMatter() {
        let a = randomImage([12, 10, 3], seed: 2)
        let b = randomImage([12, 10, 3], seed: 3)
        for window in SSIMWindow.allCases {
            let shifted = ssimValue(a, a + 0.2, window: window)
            XCTAssertLessThan(shifted, 0.999, "\(window)")
            XCTAssertGreaterThan(shifted, 0.5, "\(window): structure is intact, only luminance moved")
            XCTAssertEqual(ssimValue(a, b, window: window), ssimValue(b, a, window: window), accuracy: 1e-6, "\(window)")
            // Independent noise; zero padding (gaussian11) makes the darkened borders agree a little.
            XCTAssertLessThan(ssimValue(a, b, window: window), window == .gaussian11 ? 0.45 : 0.2, "\(window): independent noise")
        }
    }

    func testTinyImagesAreFinite() {
        let a = Tensor(shape: [1, 1, 3], data: [0.2, 0.5, 0.9])
        let b = Tensor(shape: [1, 1, 3], data: [0.3, 0.1, 0.9])
        for window in SSIMWindow.allCases {
            let value = ssimValue(a, b, window: window)
            XCTAssertTrue(value.isFinite, "\(window)")
            XCTAssertLessThan(value, 1, "\(window)")
            // With a 1×1 window only luminance is left: S = (2ab + C1)/(a² + b² + C1), per channel.
            var expected = 0.0
            for k in 0..<3 {
                let x = Double(a.data[k]), y = Double(b.data[k])
                expected += (2 * x * y + 1e-4) / (x * x + y * y + 1e-4) / 3
            }
            XCTAssertEqual(value, expected, accuracy: 1e-5, "\(window)")
        }
    }

    func testWindowShrinksToTheSmallerSide() {
        XCTAssertEqual(SSIMWindow.gaussian11.resolved(height: 64, width: 64).size, 11)
        XCTAssertEqual(SSIMWindow.gaussian11.resolved(height: 12, width: 10).size, 9)
        XCTAssertEqual(SSIMWindow.uniform7.resolved(height: 5, width: 6).size, 5)
        XCTAssertEqual(SSIMWindow.uniform7.resolved(height: 1, width: 9).size, 1)
        XCTAssertEqual(SSIMWindow.uniform7.resolved(height: 1, width: 9).covarianceScale, 1)
        XCTAssertEqual(SSIMWindow.uniform7.resolved(height: 30, width: 9).covarianceScale, 49 / 48)
        XCTAssertEqual(SSIMWindow.uniform7.resolved(height: 30, width: 9).crop, 3)
    }

    // MARK: - Gradients

    func testFusedSSIMMatchesTheTensorOpTwin() {
        for (window, shape, size) in [(SSIMWindow.gaussian11, [13, 12, 3], 11), (.uniform7, [10, 9, 3], 7), (.uniform7, [4, 6, 1], 3)] {
            let a = randomImage(shape, seed: 21).requiresGrad(true)
            let b = randomImage(shape, seed: 22).requiresGrad(true)
            XCTAssertEqual(window.resolved(height: shape[0], width: shape[1]).size, size)
            let fused = ssim(a, b, window: window)
            fused.backward()
            let (fusedA, fusedB) = (a.grad!, b.grad!)
            a.zeroGrad(); b.zeroGrad()
            let twin = twinSSIM(a, b, window: window, size: size)
            twin.backward()
            XCTAssertEqual(fused.item, twin.item, accuracy: 1e-5, "\(window) \(shape)")
            for i in fusedA.indices {
                XCTAssertEqual(fusedA[i], a.grad![i], accuracy: 1e-5, "\(window) ∂a[\(i)]")
                XCTAssertEqual(fusedB[i], b.grad![i], accuracy: 1e-5, "\(window) ∂b[\(i)]")
            }
        }
    }

    func testSSIMGradcheckBothWindows() {
        // Directional checks: the scalar output is a Float, which rounds away single-element
        // differences of the mean (per-element agreement is checked against the twin above).
        // A step of 3e-3 keeps the curvature error of central differences below 1e-3 here.
        for window in SSIMWindow.allCases {
            for seed: UInt64 in [31, 32, 33] {
                let a = randomImage([9, 8, 3], seed: seed)
                let b = randomImage([9, 8, 3], seed: seed + 100)
                let result = gradcheck([a, b], epsilon: 3e-3, tolerance: 2e-3, seed: seed) { t in ssim(t[0], t[1], window: window) }
                XCTAssertTrue(result.passed, "\(window) seed \(seed): \(result)")
            }
        }
    }

    func testGradientOnlyWhereAsked() {
        let a = randomImage([6, 6, 1], seed: 41).requiresGrad(true)
        let b = randomImage([6, 6, 1], seed: 42)
        ssim(a, b).backward()
        XCTAssertNotNil(a.grad)
        XCTAssertNil(b.grad)
        XCTAssertFalse(withNoGrad { ssim(a, b) }.requiresGrad)
    }
}

import Foundation
import Autograd
@testable import Splatting

/// Random Gaussians for the rasterizer tests: a third partly or wholly outside the image,
/// a third thin and rotated (axis ratio up to 8), the rest round-ish; precision Cholesky
/// entries with random signs (the model is unconstrained).
struct SplatCase {
    let means: Tensor    // [N, 2]
    let shape: Tensor    // [N, 1] or [N, 3]
    let colors: Tensor   // [N, C]
    let height: Int
    let width: Int

    init(count n: Int, kind: GaussianShape, channels: Int, height: Int, width: Int, seed: UInt64,
         sigma: ClosedRange<Float> = 1.2...5) {
        var rng = SeededRandom(seed: seed)
        var means = [Float](), shape = [Float](), colors = [Float]()
        let w = Float(width), h = Float(height)
        for i in 0..<n {
            if i % 3 == 0 {  // around or beyond the border
                means += [-0.3 * w + 1.6 * w * rng.nextFloat(), -0.3 * h + 1.6 * h * rng.nextFloat()]
            } else {
                means += [w * rng.nextFloat(), h * rng.nextFloat()]
            }
            let s1 = sigma.lowerBound + (sigma.upperBound - sigma.lowerBound) * rng.nextFloat()
            switch kind {
            case .isotropic:
                shape.append((rng.nextFloat() < 0.2 ? -1 : 1) / s1)
            case .anisotropic:
                let ratio: Float = i % 3 == 1 ? 3 + 5 * rng.nextFloat() : 1 + rng.nextFloat()
                let s2 = max(0.5, s1 / ratio)
                let theta = Float.pi * rng.nextFloat()
                let (c, s) = (Foundation.cos(theta), Foundation.sin(theta))
                // Precision P = R diag(1/s1², 1/s2²) Rᵀ, then P = L Lᵀ with L lower triangular.
                let a = 1 / (s1 * s1), b = 1 / (s2 * s2)
                let p11 = c * c * a + s * s * b, p12 = c * s * (a - b), p22 = s * s * a + c * c * b
                let l11 = p11.squareRoot(), l21 = p12 / l11, l22 = (p22 - l21 * l21).squareRoot()
                let sign: Float = rng.nextFloat() < 0.2 ? -1 : 1
                shape += [sign * l11, sign * l21, l22]
            }
            for _ in 0..<channels { colors.append(-0.5 + 1.5 * rng.nextFloat()) }
        }
        self.means = Tensor(shape: [n, 2], data: means)
        self.shape = Tensor(shape: [n, kind.parameterCount], data: shape)
        self.colors = Tensor(shape: [n, channels], data: colors)
        self.height = height
        self.width = width
    }

    init(means: Tensor, shape: Tensor, colors: Tensor, height: Int, width: Int) {
        self.means = means
        self.shape = shape
        self.colors = colors
        self.height = height
        self.width = width
    }

    var inputs: [Tensor] { [means, shape, colors] }

    func fast(cutoff: Float = 3.5) -> Tensor {
        rasterizeGaussians(means: means, shape: shape, colors: colors, height: height, width: width, cutoff: cutoff)
    }

    func dense() -> Tensor {
        denseGaussianImage(means: means, shape: shape, colors: colors, height: height, width: width)
    }
}

/// The four model combinations the tests sweep.
let allCombinations: [(GaussianShape, Int)] = [(.isotropic, 1), (.isotropic, 3), (.anisotropic, 1), (.anisotropic, 3)]


/// The image computed pixel by pixel in Double, straight from the model's formula.
func loopImage(_ c: SplatCase) -> [Double] {
    let n = c.means.shape[0], channels = c.colors.shape[1], kind = GaussianShape(parameterCount: c.shape.shape[1])!
    var out = [Double](repeating: 0, count: c.height * c.width * channels)
    for r in 0..<c.height {
        for col in 0..<c.width {
            for i in 0..<n {
                let dx = Double(col) + 0.5 - Double(c.means.data[2 * i])
                let dy = Double(r) + 0.5 - Double(c.means.data[2 * i + 1])
                let u: Double, v: Double
                switch kind {
                case .isotropic:
                    u = Double(c.shape.data[i]) * dx
                    v = Double(c.shape.data[i]) * dy
                case .anisotropic:
                    u = Double(c.shape.data[3 * i]) * dx + Double(c.shape.data[3 * i + 1]) * dy
                    v = Double(c.shape.data[3 * i + 2]) * dy
                }
                let w = Foundation.exp(-0.5 * (u * u + v * v))
                for ch in 0..<channels {
                    out[(r * c.width + col) * channels + ch] += Double(c.colors.data[i * channels + ch]) * w
                }
            }
        }
    }
    return out
}

import TestSupport
import XCTest
import Autograd
@testable import Splatting

final class RasterBackwardTests: XCTestCase {
    /// Gradients of Σ weight ⊙ image for a fixed random weighting, from `render`.
    private func gradients(_ c: SplatCase, seed: UInt64, _ render: (SplatCase) -> Tensor) -> [[Float]] {
        let inputs = c.inputs
        for x in inputs { _ = x.requiresGrad(true); x.zeroGrad() }
        defer { for x in inputs { x.zeroGrad(); _ = x.requiresGrad(false) } }
        var rng = SeededRandom(seed: seed)
        let image = render(c)
        let weight = Tensor.randn(image.shape, using: &rng)
        (image * weight).sum().backward()
        return inputs.map { $0.grad ?? [Float](repeating: 0, count: $0.count) }
    }

    /// At a 6σ cutoff the tiled backward equals the dense twin's autodiff gradient, array by
    /// array and along random directions.
    func testMatchesDenseTwinGradient() {
        for (kind, channels) in allCombinations {
            let c = SplatCase(count: 30, kind: kind, channels: channels, height: 35, width: 41, seed: 5)
            let fast = gradients(c, seed: 9) { $0.fast(cutoff: 6) }
            let dense = gradients(c, seed: 9) { $0.dense() }
            for (name, (f, d)) in zip(["means", "shape", "colors"], zip(fast, dense)) {
                XCTAssertLessThan(relativeError(f, d), 1e-4, "\(kind) C=\(channels) \(name)")
            }
            var rng = SeededRandom(seed: 21)
            for _ in 0..<3 {
                var df = 0.0, dd = 0.0
                for (f, d) in zip(fast, dense) {
                    for j in f.indices {
                        let v = Double(rng.nextNormal())
                        df += Double(f[j]) * v
                        dd += Double(d[j]) * v
                    }
                }
                XCTAssertEqual(df, dd, accuracy: 1e-4 * max(abs(dd), 1), "\(kind) C=\(channels)")
            }
        }
    }
}

import Autograd
import Foundation
import Imaging
import Splatting

/// One SPLAT-A measurement (docs/DESIGN.md §5).
public struct SplatATiming: Codable, Equatable {
    public var gaussians: Int
    /// The target's side in pixels.
    public var size: Int
    public var iterations: Int
    /// Optimisation steps (forward + backward + Adam) per second, after a warm-up.
    public var iterationsPerSecond: Double
    /// PSNR of the clipped render after the timed iterations, dB.
    public var psnr: Double
    /// Gaussian–pixel pairs the rasterizer evaluated per iteration at the end (at the start in parentheses).
    public var pairsPerIteration: Int
    public var pairsPerIterationAtStart: Int
    /// N·H·W: what dense evaluation touches per iteration.
    public var densePairs: Int

    enum CodingKeys: String, CodingKey {
        case gaussians, size, iterations, psnr
        case iterationsPerSecond = "it_s", pairsPerIteration = "pairs", pairsPerIterationAtStart = "pairs_start"
        case densePairs = "dense_pairs"
    }
}

extension Benchmarks {
    /// SPLAT-A: N anisotropic RGB Gaussians fitted to `target` by MSE and Adam, with the
    /// training run's initialisation and learning-rate recipe (cosine over `iterations`).
    /// The first `warmup` steps are not timed.
    public static func splatA(target: Image, gaussians: Int, iterations: Int, warmup: Int = 3, seed: UInt64 = 0) -> SplatATiming {
        let (h, w) = (target.height, target.width)
        let cloud = SplatInitialization.cloud(for: target.rgb(), count: gaussians, shape: .anisotropic, seed: seed)
        let means = Tensor(shape: [gaussians, 2], data: cloud.means, requiresGrad: true)
        let shape = Tensor(shape: [gaussians, 3], data: cloud.shapeValues, requiresGrad: true)
        let colors = Tensor(shape: [gaussians, 3], data: cloud.colors, requiresGrad: true)
        let goal = Tensor(shape: [h, w, 3], data: target.rgb().pixels)
        let sigma0 = SplatInitialization.initialSigma(count: gaussians, height: h, width: w)
        let rates: [Float] = [0.5 * sigma0, 0.15 / sigma0, 0.05]
        let adam = Adam(groups: zip([means, shape, colors], rates).map { ParameterGroup(parameters: [$0], learningRate: $1) })
        let startPairs = rasterizedPairCount(means: means, shape: shape, height: h, width: w)
        func step(_ t: Int) {
            let factor = Float(0.05 + 0.95 * 0.5 * (1 + cos(Double.pi * Double(t) / Double(max(iterations, 1)))))
            for g in 0..<3 { adam.groups[g].learningRate = rates[g] * factor }
            adam.zeroGrad()
            let loss = imageLoss(.l2, render: rasterizeGaussians(means: means, shape: shape, colors: colors, height: h, width: w),
                                 target: goal)
            loss.backward()
            adam.step()
        }
        let untimed = min(warmup, max(iterations - 1, 0))
        for t in 0..<untimed { step(t) }
        let timed = max(iterations, untimed + 1) - untimed
        let elapsed = seconds { for t in untimed..<(untimed + timed) { step(t) } }
        let render = withNoGrad { rasterizeGaussians(means: means, shape: shape, colors: colors, height: h, width: w) }
        return SplatATiming(gaussians: gaussians, size: max(h, w), iterations: iterations,
                            iterationsPerSecond: Double(timed) / elapsed,
                            psnr: psnr(render.data.map { min(max($0, 0), 1) }, goal.data),
                            pairsPerIteration: rasterizedPairCount(means: means, shape: shape, height: h, width: w),
                            pairsPerIterationAtStart: startPairs, densePairs: gaussians * h * w)
    }
}

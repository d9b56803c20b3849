import Autograd
import Foundation
import Imaging
import Splatting

/// Error-guided densification (`--grow`): the run starts with `initialFraction` of the
/// budget; in `rounds` rounds, spread over the first `growthFraction` of the steps,
/// Gaussians that vanished or degenerated are pruned and new ones are placed where the
/// blurred error is largest, stretched along the target's local edges, until the budget is
/// reached at the last round. The count never exceeds the budget.
///
/// Against a fixed count at the same final N and 2,000 steps (256² photos chelsea, coffee,
/// camera; one thread): +1.4, +1.9 and +1.7 dB at 4,096 Gaussians with seed 0 (+1.5,
/// +2.0 and +2.6 with seed 1); +0.8, +0.9 and +0.9 dB at 1,024 (+0.75, +0.9 and +0.8);
/// +0.2 at 256 (chelsea). The previous recipe (half the budget, 8 rounds over 40 %,
/// isotropic new Gaussians drawn by error¹) gave +0.9, +1.2, +1.4 at 4,096 and +0.4 at 1,024.
/// Tried and dropped: 3DGS-style splitting/cloning of the Gaussians with the largest
/// mean positional gradient instead of (or for a quarter or half of) the error-placed
/// ones (−0.8 to −3 dB), drawing by error^0.5 (−0.4 dB), a floor on new Gaussians'
/// second moments (it slows them: up to −3.4 dB).
public struct SplatGrowth: Equatable, Sendable {
    /// The most Gaussians there may be.
    public var budget: Int
    /// The count the run starts with.
    public var initialCount: Int
    /// The global steps (0-based, before which a round runs) of the rounds, increasing.
    public var roundSteps: [Int]

    /// Rounds in a run. 16 over 60 % of the steps rather than 8 over 40 %: +0.1 to +0.2 dB
    /// at 1,024 Gaussians, −0.2 to +0.4 dB at 4,096; 24 over 70 % was no better.
    public static let rounds = 16
    /// The share of the budget a run starts with. 0.35 rather than 0.5: +0.1 to +0.2 dB at
    /// 1,024 Gaussians, +0.2, +0.5 and −0.4 dB (chelsea, coffee, camera) at 4,096; 0.25
    /// was no better at 1,024.
    public static let initialFraction = 0.35
    /// The share of the run's steps over which the rounds are spread.
    public static let growthFraction = 0.6

    /// The plan for a run of `totalSteps` steps with `budget` Gaussians.
    public init(budget: Int, totalSteps: Int) {
        self.budget = budget
        initialCount = max(1, Int(Double(budget) * SplatGrowth.initialFraction))
        var steps: [Int] = []
        for k in 1...SplatGrowth.rounds {
            let step = Int((SplatGrowth.growthFraction * Double(totalSteps) * Double(k) / Double(SplatGrowth.rounds)).rounded())
            if (1..<totalSteps).contains(step), step > (steps.last ?? 0) { steps.append(step) }
        }
        roundSteps = steps
    }

    /// The count to reach at round `index` (0-based): evenly from `initialCount` to the budget.
    public func targetCount(round index: Int) -> Int {
        let k = Double(index + 1) / Double(roundSteps.count)
        return min(budget, initialCount + Int((Double(budget - initialCount) * k).rounded()))
    }

    // MARK: - Pruning

    /// The indices of the Gaussians worth keeping in an image of `height × width`: not
    /// those whose colour vanished (every |channel| < 1/255), whose narrow axis fell below
    /// 0.3 px, whose wide axis outgrew the image, or whose centre left the image by more
    /// than three wide-axis σ.
    public static func keptIndices(_ cloud: GaussianCloud, height: Int, width: Int) -> [Int] {
        let largest = Double(max(height, width, 4))
        return (0..<cloud.count).filter { i in
            let colour = cloud.colors[(i * cloud.channels)..<((i + 1) * cloud.channels)]
            guard colour.contains(where: { abs($0) >= 1 / 255 }) else { return false }
            let axes = cloud.principalAxes(i)
            guard axes.minor >= 0.3, axes.major <= largest, axes.major.isFinite else { return false }
            let (x, y) = (Double(cloud.means[2 * i]), Double(cloud.means[2 * i + 1]))
            let margin = 3 * axes.major
            return x > -margin && x < Double(width) + margin && y > -margin && y < Double(height) + margin
        }
    }

    // MARK: - Adding

    /// Per-pixel error Σ_c |target − render| blurred twice with the [1 2 1]/4 kernel along
    /// each axis, `[height, width]`.
    public static func errorMap(target: Image, render: [Float]) -> [Float] {
        let (w, h, c) = (target.width, target.height, target.channels)
        var error = [Float](repeating: 0, count: w * h)
        for p in 0..<(w * h) {
            var sum: Float = 0
            for ch in 0..<c { sum += abs(target.pixels[p * c + ch] - render[p * c + ch]) }
            error[p] = sum
        }
        for _ in 0..<2 {
            var tmp = error
            for y in 0..<h {
                for x in 0..<w {
                    let (l, r) = (max(x - 1, 0), min(x + 1, w - 1))
                    tmp[y * w + x] = 0.25 * error[y * w + l] + 0.5 * error[y * w + x] + 0.25 * error[y * w + r]
                }
            }
            for y in 0..<h {
                for x in 0..<w {
                    let (u, d) = (max(y - 1, 0), min(y + 1, h - 1))
                    error[y * w + x] = 0.25 * tmp[u * w + x] + 0.5 * tmp[y * w + x] + 0.25 * tmp[d * w + x]
                }
            }
        }
        return error
    }

    /// New Gaussians land at pixels drawn in proportion to the blurred error to this power.
    /// Measured at 4,096 Gaussians (chelsea, coffee, camera; 2,000 steps, the previous
    /// schedule): 1.5 gave +0.3, +0.4 and +0.35 dB over 1, 0.5 lost 0.4 dB on chelsea.
    /// Concentrating them more risks a blow-up mid-run (overlapping new Gaussians start
    /// with small colours, so small shape gradients and second moments, then take long
    /// steps into image-wide needles): 2 with a 0.35 start diverged on chelsea, and so did
    /// 1.5 with a 0.35 start in 8 rounds on camera; in 16 rounds (fewer per round) none of
    /// 20 runs did (one dipped 0.8 dB for an epoch and recovered).
    public static let errorExponent: Float = 1.5

    /// How far an anisotropic new Gaussian is stretched along a straight edge of the
    /// target: σ·e along it, σ/e across (e = 1 + (`newElongation` − 1)·coherence of the
    /// luminance structure tensor in a 5 × 5 window, so round in flat or textured spots).
    /// 2 gained 0.2 dB over round new Gaussians at 1,024 on chelsea and coffee (0 on
    /// camera), ±0.1 dB at 4,096; 3 was no better than 2.
    public static let newElongation = 2.0

    /// `count` new Gaussians at pixels drawn in proportion to the blurred error to the
    /// power `errorExponent`, each of σ `sigma` (anisotropic ones stretched along the
    /// target's local edge by up to `newElongation`), coloured like the initial cloud but
    /// against the residual (target − render): the residual under its centre divided by
    /// the new Gaussians' summed weight there, then one least-squares factor (≥ 0) so that
    /// adding them brings the render closer to the target rather than overshooting where
    /// several land together.
    public static func newGaussians(count: Int, target: Image, render: [Float], shape: GaussianShape, sigma: Float,
                                    rng: inout SeededRandom) -> GaussianCloud {
        let (w, h, c) = (target.width, target.height, target.channels)
        let residual = zip(target.pixels, render).map { $0 - $1 }
        let structure = shape == .anisotropic ? StructureTensor(target) : nil
        let weights = errorMap(target: target, render: render).map { pow($0, errorExponent) }
        let pixels = SplatInitialization.samplePixels(weights: weights, count: count, rng: &rng)
        var cloud = GaussianCloud(shape: shape, channels: c, means: [], shapeValues: [], colors: [])
        for p in pixels {
            cloud.means += [Float(p % w) + rng.nextFloat(), Float(p / w) + rng.nextFloat()]
            if let structure {
                let local = structure.orientation(x: p % w, y: p / w)
                let stretch = 1 + (newElongation - 1) * local.coherence
                let l = choleskyFactor(major: Double(sigma) * stretch, minor: Double(sigma) / stretch, angle: local.edgeAngle)
                cloud.shapeValues += [l.l11, l.l21, l.l22]
            } else {
                cloud.shapeValues.append(1 / sigma)
            }
            cloud.colors += residual[(p * c)..<(p * c + c)]
        }
        guard count > 0 else { return cloud }
        let coverage = GaussianCloud(shape: shape, channels: 1, means: cloud.means, shapeValues: cloud.shapeValues,
                                     colors: [Float](repeating: 1, count: count)).render(height: h, width: w)
        for (i, p) in pixels.enumerated() {
            let density = max(coverage[p], 1)
            for ch in 0..<c { cloud.colors[i * c + ch] /= density }
        }
        let added = cloud.render(height: h, width: w)
        var cross = 0.0, norm = 0.0
        for (a, r) in zip(added, residual) {
            cross += Double(a) * Double(r)
            norm += Double(a) * Double(a)
        }
        let factor = norm > 0 ? Float(max(cross / norm, 0)) : 0
        cloud.colors = cloud.colors.map { $0 * factor }
        return cloud
    }

    // MARK: - Optimizer state

    /// Adam's state for the cloud after a round: each kept Gaussian's moments move with it
    /// (`kept[j]` is the old index of new Gaussian j); a new Gaussian starts with a zero
    /// first moment and the square of its current gradient as its second moment
    /// (`gradients[g]`: group g's full gradient for the new cloud, `[newCount, k]`), which
    /// is where Adam's running average settles late in a run. Its first steps are then
    /// about as long as everyone else's: zero second moments would make them up to
    /// √(1/(1−β₂)) ≈ 32 times longer, a borrowed average of the old Gaussians' (larger)
    /// moments many times shorter for the ~1/(1−β₂) steps it takes to decay.
    ///
    /// `state` is `Optimizer.stateTensors()` for groups of one `[N, k]` tensor each, keyed
    /// `exp_avg.<group>.0` / `exp_avg_sq.<group>.0`; a group without gradients gets zeros.
    public static func remapAdamState(_ state: [String: (shape: [Int], values: [Float])], kept: [Int], newCount: Int,
                                      gradients: [Int: [Float]] = [:]) -> [String: (shape: [Int], values: [Float])] {
        var out: [String: (shape: [Int], values: [Float])] = [:]
        for (key, entry) in state {
            guard key.hasPrefix("exp_avg"), entry.shape.count == 2 else {
                out[key] = entry
                continue
            }
            let k = entry.shape[1]
            var values = [Float](repeating: 0, count: newCount * k)
            for (j, old) in kept.enumerated() {
                for col in 0..<k { values[j * k + col] = entry.values[old * k + col] }
            }
            let parts = key.split(separator: ".")
            if parts.first == "exp_avg_sq", parts.count == 3, let group = Int(parts[1]),
               let grad = gradients[group], grad.count == newCount * k {
                for e in (kept.count * k)..<(newCount * k) { values[e] = grad[e] * grad[e] }
            }
            out[key] = ([newCount, k], values)
        }
        return out
    }
}

extension SplatGrowth {
    /// The Cholesky factor (l11, l21, l22) of the precision of a Gaussian with standard
    /// deviations `major` along the direction at `angle` (radians from +x towards +y) and
    /// `minor` across it: Σ⁻¹ = R diag(1/major², 1/minor²) Rᵀ = [[p, q], [q, r]],
    /// l11 = √p, l21 = q/l11, l22 = √(r − l21²). Both σ must be positive and finite.
    public static func choleskyFactor(major: Double, minor: Double, angle: Double) -> (l11: Float, l21: Float, l22: Float) {
        let (cs, sn) = (cos(angle), sin(angle))
        let (a, b) = (1 / (major * major), 1 / (minor * minor))
        let p = cs * cs * a + sn * sn * b, q = cs * sn * (a - b), r = sn * sn * a + cs * cs * b
        let l11 = p.squareRoot(), l21 = q / l11
        return (Float(l11), Float(l21), Float(max(r - l21 * l21, 0).squareRoot()))
    }
}

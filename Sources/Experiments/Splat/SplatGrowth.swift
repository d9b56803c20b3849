import Autograd
import Imaging
import Splatting

/// Error-guided densification (`--grow`): the run starts with a quarter of the budget; in
/// `rounds` rounds, spread over the first 40 % of the steps, Gaussians that vanished or
/// degenerated are pruned and new ones are placed where the blurred error is largest,
/// until the budget is reached at the last round. The count never exceeds the budget.
public struct SplatGrowth: Equatable, Sendable {
    /// The most Gaussians there may be.
    public var budget: Int
    /// The count the run starts with.
    public var initialCount: Int
    /// The global steps (0-based, before which a round runs) of the rounds, increasing.
    public var roundSteps: [Int]

    /// Rounds in a run.
    public static let rounds = 4

    /// The plan for a run of `totalSteps` steps with `budget` Gaussians.
    public init(budget: Int, totalSteps: Int) {
        self.budget = budget
        initialCount = max(1, budget / 4)
        var steps: [Int] = []
        for k in 1...SplatGrowth.rounds {
            let step = Int((0.4 * Double(totalSteps) * Double(k) / Double(SplatGrowth.rounds)).rounded())
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

    /// `count` new isotropic Gaussians at pixels drawn in proportion to the blurred error,
    /// each of σ `sigma` and half the residual (target − render) under it as its colour
    /// (several may land on one region; the optimizer settles the rest).
    public static func newGaussians(count: Int, target: Image, render: [Float], shape: GaussianShape, sigma: Float,
                                    rng: inout SeededRandom) -> GaussianCloud {
        let c = target.channels
        let pixels = SplatInitialization.samplePixels(weights: errorMap(target: target, render: render), count: count, rng: &rng)
        var cloud = GaussianCloud(shape: shape, channels: c, means: [], shapeValues: [], colors: [])
        for p in pixels {
            cloud.means += [Float(p % target.width) + rng.nextFloat(), Float(p / target.width) + rng.nextFloat()]
            cloud.shapeValues += shape == .isotropic ? [1 / sigma] : [1 / sigma, 0, 1 / sigma]
            cloud.colors += (0..<c).map { 0.5 * (target.pixels[p * c + $0] - render[p * c + $0]) }
        }
        return cloud
    }

    // MARK: - Optimizer state

    /// Adam's state for the cloud after a round: each kept Gaussian's moments move with it
    /// (`kept[j]` is the old index of new Gaussian j); a new Gaussian starts with a zero
    /// first moment and, per parameter column, the mean second moment of the kept ones, so
    /// its first steps are as long as everyone else's rather than √(1/(1−β₂)) ≈ 32 times
    /// longer (what zero moments give after bias correction late in a run).
    ///
    /// `state` is `Optimizer.stateTensors()` for groups of one `[N, k]` tensor each.
    public static func remapAdamState(_ state: [String: (shape: [Int], values: [Float])], kept: [Int], newCount: Int)
        -> [String: (shape: [Int], values: [Float])] {
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
            if key.hasPrefix("exp_avg_sq."), !kept.isEmpty {
                for col in 0..<k {
                    var mean: Float = 0
                    for old in kept { mean += entry.values[old * k + col] }
                    mean /= Float(kept.count)
                    for j in kept.count..<newCount { values[j * k + col] = mean }
                }
            }
            out[key] = ([newCount, k], values)
        }
        return out
    }
}

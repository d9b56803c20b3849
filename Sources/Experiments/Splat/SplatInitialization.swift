import Autograd
import Imaging
import Splatting

/// Where a splat run's Gaussians start: partly where the target has structure, partly
/// anywhere, coloured from the target, sized from their density.
public enum SplatInitialization {
    /// The share of Gaussians placed by the target's gradient magnitude (the rest uniformly).
    public static let structureFraction = 0.5

    /// The initial standard deviation in pixels: clip(½ √(H·W/N), 1.5, 8), so that N discs
    /// of radius 2σ roughly tile the image (the JAX reference's rule).
    public static func initialSigma(count: Int, height: Int, width: Int) -> Float {
        let sigma = 0.5 * (Double(height * width) / Double(max(count, 1))).squareRoot()
        return Float(min(max(sigma, 1.5), 8))
    }

    /// The luminance gradient magnitude per pixel, `[height, width]`, from central
    /// differences (one-sided at the border, zero along an axis of length 1).
    public static func gradientMagnitude(_ image: Image) -> [Float] {
        let luma = image.luminance()
        let (w, h) = (image.width, image.height)
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let (x0, x1) = (max(x - 1, 0), min(x + 1, w - 1))
                let (y0, y1) = (max(y - 1, 0), min(y + 1, h - 1))
                let gx = x1 > x0 ? (luma[y * w + x1] - luma[y * w + x0]) / Float(x1 - x0) : 0
                let gy = y1 > y0 ? (luma[y1 * w + x] - luma[y0 * w + x]) / Float(y1 - y0) : 0
                out[y * w + x] = (gx * gx + gy * gy).squareRoot()
            }
        }
        return out
    }

    /// `count` pixel indices drawn with replacement, each with probability proportional to
    /// its weight; uniform when every weight is zero.
    public static func samplePixels(weights: [Float], count: Int, rng: inout SeededRandom) -> [Int] {
        var cumulative = [Double](repeating: 0, count: weights.count)
        var total = 0.0
        for (i, w) in weights.enumerated() {
            total += w.isFinite ? Double(max(w, 0)) : 0
            cumulative[i] = total
        }
        guard total > 0 else { return (0..<count).map { _ in rng.nextInt(below: weights.count) } }
        return (0..<count).map { _ in
            let u = rng.nextDouble() * total
            var (lo, hi) = (0, cumulative.count - 1)
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
    }

    /// `count` Gaussians for `target`: `structureFraction` of them at pixels drawn by
    /// gradient magnitude, the rest uniformly, each jittered within its pixel; isotropic
    /// with σ from `initialSigma`; coloured with the target's pixel under them divided by
    /// the summed weight of all Gaussians there (so overlapping Gaussians, dense along
    /// edges, do not render far too bright), then all colours scaled by the least-squares
    /// factor ⟨render, target⟩ / ⟨render, render⟩.
    public static func cloud(for target: Image, count: Int, shape: GaussianShape, seed: UInt64) -> GaussianCloud {
        var rng = SeededRandom(seed: seed &+ 0x5EED_5B1A)
        let (w, h, c) = (target.width, target.height, target.channels)
        let structured = Int((Double(count) * structureFraction).rounded())
        var pixels = samplePixels(weights: gradientMagnitude(target), count: structured, rng: &rng)
        pixels += (0..<(count - structured)).map { _ in rng.nextInt(below: w * h) }
        let sigma = initialSigma(count: count, height: h, width: w)
        var cloud = GaussianCloud(shape: shape, channels: c, means: [], shapeValues: [], colors: [])
        cloud.means.reserveCapacity(2 * count)
        for p in pixels {
            cloud.means += [Float(p % w) + rng.nextFloat(), Float(p / w) + rng.nextFloat()]
            cloud.shapeValues += shape == .isotropic ? [1 / sigma] : [1 / sigma, 0, 1 / sigma]
            cloud.colors += target.pixels[(p * c)..<(p * c + c)]
        }
        // Each colour divided by the coverage Σⱼ wⱼ under its centre (one Jacobi step
        // towards render = target), then one least-squares factor for the whole image.
        let coverage = GaussianCloud(shape: shape, channels: 1, means: cloud.means, shapeValues: cloud.shapeValues,
                                     colors: [Float](repeating: 1, count: count)).render(height: h, width: w)
        for (i, p) in pixels.enumerated() {
            let density = max(coverage[p], 1)
            for ch in 0..<c { cloud.colors[i * c + ch] /= density }
        }
        let render = cloud.render(height: h, width: w)
        var cross = 0.0, norm = 0.0
        for (r, t) in zip(render, target.pixels) {
            cross += Double(r) * Double(t)
            norm += Double(r) * Double(r)
        }
        if norm > 0, cross > 0 {
            let factor = Float(cross / norm)
            cloud.colors = cloud.colors.map { $0 * factor }
        }
        return cloud
    }
}

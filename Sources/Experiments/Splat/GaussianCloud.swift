import Autograd
import Foundation
import Splatting

/// N 2D Gaussians as plain arrays: what a snapshot draws, a checkpoint stores and
/// densification edits. The trainer turns them into tensors for the rasterizer.
///
/// Gaussian i has mean (x, y) in pixels (pixel (r, c) has its centre at (c + ½, r + ½)),
/// shape parameters as `GaussianShape` defines them (k = 1/σ, or the Cholesky factor
/// (l11, l21, l22) of the precision Σ⁻¹ = L Lᵀ) and one colour value per channel; the image
/// is Σᵢ colourᵢ · exp(−½ ‖Lᵢᵀ(p − μᵢ)‖²).
public struct GaussianCloud: Equatable, Sendable {
    public var shape: GaussianShape
    public var channels: Int
    public var means: [Float]        // [N, 2] (x, y)
    public var shapeValues: [Float]  // [N, shape.parameterCount]
    public var colors: [Float]       // [N, channels]

    public init(shape: GaussianShape, channels: Int, means: [Float], shapeValues: [Float], colors: [Float]) {
        precondition(means.count % 2 == 0 && shapeValues.count == means.count / 2 * shape.parameterCount
                     && colors.count == means.count / 2 * channels,
                     "GaussianCloud: \(means.count / 2) means need \(means.count / 2 * shape.parameterCount) shape values "
                     + "and \(means.count / 2 * channels) colours, got \(shapeValues.count) and \(colors.count)")
        self.shape = shape
        self.channels = channels
        self.means = means
        self.shapeValues = shapeValues
        self.colors = colors
    }

    /// The number of Gaussians.
    public var count: Int { means.count / 2 }

    /// Gaussian i's Cholesky factor (l11, l21, l22) of its precision.
    public func cholesky(_ i: Int) -> (l11: Float, l21: Float, l22: Float) {
        switch shape {
        case .isotropic:
            let k = shapeValues[i]
            return (k, 0, k)
        case .anisotropic:
            return (shapeValues[3 * i], shapeValues[3 * i + 1], shapeValues[3 * i + 2])
        }
    }

    /// Gaussian i's standard deviations along its principal axes (major ≥ minor, in
    /// pixels, infinite for a flat precision) and the major axis' angle in radians from
    /// +x towards +y (clockwise on screen), in (−π/2, π/2].
    ///
    /// From Σ⁻¹ = L Lᵀ = [[p, q], [q, r]]: eigenvalues λ = m ± d with m = (p + r)/2,
    /// d = √(((p − r)/2)² + q²); σ = 1/√λ, the major axis along the smaller eigenvalue's vector.
    public func principalAxes(_ i: Int) -> (major: Double, minor: Double, angle: Double) {
        let (a, b, c) = cholesky(i)
        let (l11, l21, l22) = (Double(a), Double(b), Double(c))
        let p = l11 * l11, q = l11 * l21, r = l21 * l21 + l22 * l22
        let m = (p + r) / 2, d = (((p - r) / 2) * ((p - r) / 2) + q * q).squareRoot()
        let large = m + d, small = max(m - d, 0)
        // The major axis is perpendicular to the stiffest direction; a circle has angle 0.
        var angle = d <= 1e-9 * m ? 0 : 0.5 * atan2(2 * q, p - r) + Double.pi / 2
        if angle > Double.pi / 2 { angle -= Double.pi }
        func sigma(_ lambda: Double) -> Double { lambda > 0 ? 1 / lambda.squareRoot() : .infinity }
        return (sigma(small), sigma(large), angle)
    }

    /// Gaussians `indices`, in that order.
    public func subset(_ indices: [Int]) -> GaussianCloud {
        let k = shape.parameterCount
        var out = GaussianCloud(shape: shape, channels: channels, means: [], shapeValues: [], colors: [])
        out.means.reserveCapacity(2 * indices.count)
        for i in indices {
            out.means += means[(2 * i)..<(2 * i + 2)]
            out.shapeValues += shapeValues[(k * i)..<(k * i + k)]
            out.colors += colors[(channels * i)..<(channels * i + channels)]
        }
        return out
    }

    /// These Gaussians followed by `other`'s.
    public func appending(_ other: GaussianCloud) -> GaussianCloud {
        precondition(other.shape == shape && other.channels == channels, "GaussianCloud: appending another kind of cloud")
        return GaussianCloud(shape: shape, channels: channels, means: means + other.means,
                             shapeValues: shapeValues + other.shapeValues, colors: colors + other.colors)
    }

    /// The same Gaussians drawn on a canvas `scale` times larger: means × s, L / s.
    public func scaled(by scale: Float) -> GaussianCloud {
        GaussianCloud(shape: shape, channels: channels, means: means.map { $0 * scale },
                      shapeValues: shapeValues.map { $0 / scale }, colors: colors)
    }

    /// The rendered image `[height, width, channels]`, without gradients.
    public func render(height: Int, width: Int) -> [Float] {
        let n = count
        return withNoGrad {
            rasterizeGaussians(means: Tensor(shape: [n, 2], data: means),
                               shape: Tensor(shape: [n, shape.parameterCount], data: shapeValues),
                               colors: Tensor(shape: [n, channels], data: colors),
                               height: height, width: width).data
        }
    }

    // MARK: - CSV

    /// `gaussians.csv`: a header, then one row per Gaussian: position, principal standard
    /// deviations and the major axis' angle in degrees (clockwise from +x on screen), the
    /// raw Cholesky factor of the precision, and the colour (`r,g,b` or `gray`).
    public var csv: String {
        let colorColumns = channels == 1 ? ["gray"] : ["r", "g", "b"]
        var lines = [(["x", "y", "sigma_x", "sigma_y", "angle_deg", "l11", "l21", "l22"] + colorColumns).joined(separator: ",")]
        lines.reserveCapacity(count + 1)
        for i in 0..<count {
            let axes = principalAxes(i)
            let (l11, l21, l22) = cholesky(i)
            var fields = [means[2 * i], means[2 * i + 1]].map { "\($0)" }
            fields += [axes.major, axes.minor].map { $0.isFinite ? String(format: "%.5g", $0) : "inf" }
            fields.append(String(format: "%.3f", axes.angle * 180 / Double.pi))
            fields += [l11, l21, l22].map { "\($0)" }
            fields += colors[(channels * i)..<(channels * i + channels)].map { "\($0)" }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

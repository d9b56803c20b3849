import Autograd

/// The checked extents of a set of Gaussians and the image they are drawn into.
///
/// Shared by the fast rasterizer, its dense twin and the pair count, so that all three
/// accept and reject exactly the same inputs.
struct SplatInputs: Equatable {
    /// Number of Gaussians N.
    let count: Int
    /// How the shape parameters are read (from their second extent, 1 or 3).
    let kind: GaussianShape
    /// Colour channels C (1 or 3).
    let channels: Int
    let height: Int
    let width: Int

    /// Checks `means` [N, 2], `shape` [N, 1] or [N, 3], `colors` [N, C] (C = 1 or 3, or no
    /// colours at all when `colors` is nil) and a positive image size.
    static func validate(op: String, means: [Int], shape: [Int], colors: [Int]?,
                         height: Int, width: Int) throws -> SplatInputs {
        guard means.count == 2, means[1] == 2 else {
            throw ShapeError(op: op, "means must have shape [N, 2], got \(means)")
        }
        let n = means[0]
        guard shape.count == 2, let kind = GaussianShape(parameterCount: shape[1]) else {
            throw ShapeError(op: op, "shape must be [N, 1] (isotropic) or [N, 3] (anisotropic), got \(shape)")
        }
        guard shape[0] == n else {
            throw ShapeError(op: op, "means \(means) and shape \(shape) hold different numbers of Gaussians")
        }
        var channels = 1
        if let colors {
            guard colors.count == 2, colors[1] == 1 || colors[1] == 3 else {
                throw ShapeError(op: op, "colors must have shape [N, 1] or [N, 3], got \(colors)")
            }
            guard colors[0] == n else {
                throw ShapeError(op: op, "means \(means) and colors \(colors) hold different numbers of Gaussians")
            }
            channels = colors[1]
        }
        guard height > 0, width > 0 else {
            throw ShapeError(op: op, "image size must be positive, got height \(height) and width \(width)")
        }
        return SplatInputs(count: n, kind: kind, channels: channels, height: height, width: width)
    }

    /// Checks the cutoff radius (in standard deviations): positive, possibly infinite.
    static func validateCutoff(op: String, _ cutoff: Float) throws {
        guard cutoff > 0 else {
            throw ShapeError(op: op, "cutoff must be positive, got \(cutoff)")
        }
    }
}

/// Evaluates an input check and stops with its message (naming the op and shapes) when it fails.
@inline(__always)
func checkedInputs<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch { preconditionFailure("\(error)") }
}

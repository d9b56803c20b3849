import Autograd
import Foundation

// Separable blurs of [H, W, C] images as custom ops: the Gaussian (the building block of
// SSIM) and the box filter. Forward and backward both run `ImageFilter`, the backward with
// the transposed filter, so the gradient is exact for either boundary rule.

/// How a blur reads pixels beyond the image edge.
public enum BlurBoundary: String, CaseIterable, Sendable {
    /// Symmetric extension, the edge pixel repeated: d c b a | a b c d | d c b a
    /// (scipy.ndimage's and scikit-image's `'reflect'`, NumPy's `'symmetric'`).
    case reflect
    /// Zeros outside the image (PyTorch's `conv2d` padding).
    case zero
}

/// Separable Gaussian blur of each channel.
///
/// y[h, w, c] = Σᵢ Σⱼ k[i] k[j] x[h + i, w + j, c] for i, j in −radius…radius, with
/// k[t] = exp(−t²/2σ²) / Σₜ exp(−t²/2σ²) and pixels outside the image given by `boundary`.
/// With `.reflect` the weights at every pixel sum to 1, so a constant image is unchanged.
/// Any radius works, even one larger than the image (the reflection repeats).
///
/// - Parameters:
///   - x: the image. // [H, W, C], H, W, C ≥ 1
///   - sigma: the standard deviation in pixels, > 0.
///   - radius: half the window, ≥ 0 (0 leaves the image unchanged); 3σ is typical.
///   - boundary: the edge rule.
/// - Returns: the blurred image, // [H, W, C]
///   differentiable in `x` (the backward applies the transposed filter).
public func gaussianBlur(_ x: Tensor, sigma: Float, radius: Int, boundary: BlurBoundary = .reflect) -> Tensor {
    requireValidImageOp {
        guard sigma > 0, sigma.isFinite else {
            throw ShapeError(op: "gaussianBlur", "sigma must be a positive number of pixels, got \(sigma)")
        }
        try checkBlurRadius(radius, op: "gaussianBlur")
    }
    return separableBlur(x, taps: gaussianTaps(sigma: sigma, radius: radius), boundary: boundary, op: "gaussianBlur")
}

/// Box (uniform) blur of each channel: the mean over the (2·radius+1)² window, pixels
/// outside the image given by `boundary` (scipy.ndimage's `uniform_filter` with `.reflect`).
///
/// - Parameters:
///   - x: the image. // [H, W, C], H, W, C ≥ 1
///   - radius: half the window, ≥ 0.
///   - boundary: the edge rule.
/// - Returns: the blurred image, // [H, W, C]
///   differentiable in `x`.
public func boxBlur(_ x: Tensor, radius: Int, boundary: BlurBoundary = .reflect) -> Tensor {
    requireValidImageOp { try checkBlurRadius(radius, op: "boxBlur") }
    return separableBlur(x, taps: boxTaps(radius: radius), boundary: boundary, op: "boxBlur")
}

// MARK: - Kernels and the op

/// exp(−t²/2σ²) for t = −radius…radius, normalised to sum 1 (summed in Double).
func gaussianTaps(sigma: Float, radius: Int) -> [Float] {
    let s = Double(sigma)
    let raw = (-radius...radius).map { t in Foundation.exp(-Double(t * t) / (2 * s * s)) }
    let total = raw.reduce(0, +)
    return raw.map { Float($0 / total) }
}

/// 1/(2·radius+1) for each of the 2·radius+1 taps.
func boxTaps(radius: Int) -> [Float] {
    [Float](repeating: 1 / Float(2 * radius + 1), count: 2 * radius + 1)
}

/// The blur of `x` by `taps` ⊗ `taps` as an op whose backward is the transposed filter.
private func separableBlur(_ x: Tensor, taps: [Float], boundary: BlurBoundary, op: String) -> Tensor {
    let (height, width, channels) = requireValidImageOp { try imageExtents(x.shape, op: op) }
    let filter = ImageFilter(taps: taps, boundary: boundary, height: height, width: width)
    let output = filter.apply(x.data, channels: channels)
    return Tensor.custom(op: op, shape: x.shape, data: output, inputs: [x]) { gradOutput in
        [filter.transposed().apply(gradOutput, channels: channels)]
    }
}

// MARK: - Checks

/// (H, W, C) of an image tensor, or an error naming the op when it is not [H, W, C]
/// with every extent at least 1.
func imageExtents(_ shape: [Int], op: String) throws -> (height: Int, width: Int, channels: Int) {
    guard shape.count == 3, shape.allSatisfy({ $0 >= 1 }) else {
        throw ShapeError(op: op, "expected an image of shape [H, W, C] with every extent at least 1, got \(shape)")
    }
    return (shape[0], shape[1], shape[2])
}

private func checkBlurRadius(_ radius: Int, op: String) throws {
    guard radius >= 0 else { throw ShapeError(op: op, "radius must be 0 or more pixels, got \(radius)") }
}

/// Runs an argument check and stops with its one-sentence message when it fails
/// (these ops do not throw; misuse is a programming error, reported like Autograd's).
@discardableResult
func requireValidImageOp<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch { preconditionFailure("\(error)") }
}

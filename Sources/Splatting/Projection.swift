import Foundation

/// Per-Gaussian quantities the tile rasterizer reads, with each Gaussian's pixel box.
///
/// Isotropic shapes are expanded to the anisotropic form (k, 0, k), so the kernels have a
/// single code path; the backward pass folds the gradient back (∂k = ∂l11 + ∂l22).
struct ProjectedGaussians {
    /// Number of Gaussians N.
    let count: Int
    /// Colour channels C.
    let channels: Int
    /// [N, 2] centres (x, y).
    let means: [Float]
    /// [N, 3] precision Cholesky entries (l11, l21, l22).
    let chol: [Float]
    /// [N, C] colours.
    let colors: [Float]
    /// [N, 4] pixel box per Gaussian: columns x0..<x1, rows y0..<y1, clipped to the image.
    /// Empty (x0 == x1 == 0, y0 == y1 == 0) for a Gaussian outside the image or with a
    /// non-finite parameter, which then contributes nothing.
    let boxes: [Int32]

    /// Whether Gaussian `i` has a non-empty box.
    func isVisible(_ i: Int) -> Bool { boxes[4 * i] < boxes[4 * i + 1] && boxes[4 * i + 2] < boxes[4 * i + 3] }
}

/// Expands the raw parameters and computes each Gaussian's pixel box.
///
/// The ellipse u² + v² ≤ cutoff², i.e. dᵀ Σ⁻¹ d ≤ cutoff² with Σ⁻¹ = L Lᵀ, has the
/// axis-aligned half-extents cutoff·σx and cutoff·σy, where σx² = Σ₁₁ and σy² = Σ₂₂ of
/// Σ = (L Lᵀ)⁻¹: σx = √(l21² + l22²) / |l11·l22|, σy = 1 / |l22|. The box holds the pixels
/// whose centres lie within those extents. A degenerate Gaussian (l11 or l22 = 0, an infinite
/// extent) gets the whole image along that axis; the maths runs in `Double` so that tiny
/// entries do not underflow to a false zero extent.
///
/// - Parameters:
///   - means: [N, 2].
///   - shape: [N, 1] (k) or [N, 3] (l11, l21, l22), as `kind` says.
///   - colors: [N, C], or empty when only boxes are needed (then `channels` is ignored).
func projectGaussians(means: [Float], shape: [Float], kind: GaussianShape, colors: [Float],
                      count n: Int, channels: Int, height: Int, width: Int,
                      cutoff: Float) -> ProjectedGaussians {
    var chol = [Float](repeating: 0, count: 3 * n)
    var boxes = [Int32](repeating: 0, count: 4 * n)
    let c = Double(cutoff)
    let hasColors = !colors.isEmpty
    for i in 0..<n {
        let l11: Float, l21: Float, l22: Float
        switch kind {
        case .isotropic: (l11, l21, l22) = (shape[i], 0, shape[i])
        case .anisotropic: (l11, l21, l22) = (shape[3 * i], shape[3 * i + 1], shape[3 * i + 2])
        }
        chol[3 * i] = l11
        chol[3 * i + 1] = l21
        chol[3 * i + 2] = l22
        let mx = means[2 * i], my = means[2 * i + 1]
        var finite = mx.isFinite && my.isFinite && l11.isFinite && l21.isFinite && l22.isFinite
        if hasColors {
            for k in 0..<channels where !colors[i * channels + k].isFinite { finite = false }
        }
        guard finite else { continue }
        let a = abs(Double(l11)), b = Double(l21), d = abs(Double(l22))
        var hx = c * (b * b + d * d).squareRoot() / (a * d)   // inf (or NaN for 0/0) when degenerate
        var hy = c / d
        if !(hx < .infinity) { hx = .infinity }
        if !(hy < .infinity) { hy = .infinity }
        // Pixel column j is inside when |j + 0.5 − mx| ≤ hx.
        let x0 = clampedIndex((Double(mx) - hx - 0.5).rounded(.up), upper: width)
        let x1 = clampedIndex((Double(mx) + hx - 0.5).rounded(.down) + 1, upper: width)
        let y0 = clampedIndex((Double(my) - hy - 0.5).rounded(.up), upper: height)
        let y1 = clampedIndex((Double(my) + hy - 0.5).rounded(.down) + 1, upper: height)
        guard x0 < x1, y0 < y1 else { continue }
        boxes[4 * i] = Int32(x0)
        boxes[4 * i + 1] = Int32(x1)
        boxes[4 * i + 2] = Int32(y0)
        boxes[4 * i + 3] = Int32(y1)
    }
    return ProjectedGaussians(count: n, channels: channels, means: means, chol: chol,
                              colors: colors, boxes: boxes)
}

/// `value` clamped to 0...upper (infinities included) as an `Int`.
@inline(__always)
private func clampedIndex(_ value: Double, upper: Int) -> Int {
    if value <= 0 { return 0 }
    if value >= Double(upper) { return upper }
    return Int(value)
}

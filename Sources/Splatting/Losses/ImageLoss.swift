import Autograd
import Foundation

// The losses a splat fit can minimise (`trainviz splat --loss`) and the PSNR it reports.

/// The splat loss menu, named as on the command line.
public enum ImageLoss: String, CaseIterable, Sendable {
    /// Mean squared error.
    case l2
    /// Mean absolute error.
    case l1
    /// (1 − λ)·L1 + λ·(1 − SSIM) with λ = `ssimWeight` and the `.gaussian11` window,
    /// as in 3D Gaussian splatting.
    case l1SSIM = "l1-ssim"

    /// λ of `l1SSIM`: 0.2, 3DGS's `lambda_dssim`.
    public static let ssimWeight: Float = 0.2
}

/// The training loss of a render against its target, a scalar (shape `[]`).
///
/// - `l2`: Σ (render − target)² / N;
/// - `l1`: Σ |render − target| / N;
/// - `l1SSIM`: (1 − λ)·L1 + λ·(1 − SSIM(render, target)), λ = `ImageLoss.ssimWeight`.
///
/// Differentiable in both images (usually only the render needs it).
/// - Parameters:
///   - render: the rendered image. // [H, W, C]
///   - target: the image to match, same shape. // [H, W, C]
public func imageLoss(_ kind: ImageLoss, render: Tensor, target: Tensor) -> Tensor {
    switch kind {
    case .l2:
        return mseLoss(render, target)
    case .l1:
        return l1Loss(render, target)
    case .l1SSIM:
        let lambda = ImageLoss.ssimWeight
        return (1 - lambda) * l1Loss(render, target) + lambda * (1 - ssim(render, target, window: .gaussian11))
    }
}

/// Peak signal-to-noise ratio of `a` against `reference` for data range 1, in dB:
/// 10·log₁₀(1 / MSE), with the MSE accumulated in Double.
///
/// +∞ when the two are equal; NaN for empty arrays.
/// - Precondition: both arrays have the same number of elements (any layout, same order).
public func psnr(_ a: [Float], _ reference: [Float]) -> Double {
    precondition(a.count == reference.count,
                 "psnr: the image has \(a.count) values but the reference has \(reference.count); they must match")
    guard !a.isEmpty else { return .nan }
    var total = 0.0
    a.withUnsafeBufferPointer { pa in
        reference.withUnsafeBufferPointer { pr in
            for i in 0..<pa.count {
                let d = Double(pa[i]) - Double(pr[i])
                total += d * d
            }
        }
    }
    let mse = total / Double(a.count)
    return mse == 0 ? .infinity : 10 * log10(1 / mse)
}

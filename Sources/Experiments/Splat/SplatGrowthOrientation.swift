import Foundation
import Imaging

/// The luminance structure tensor of an image, with which `--grow` stretches new
/// Gaussians along edges: J = Σ ∇I ∇Iᵀ over a (2r+1)² window (cut at the border), ∇I
/// from central differences (one-sided at the border).
struct StructureTensor {
    let width: Int
    let height: Int
    let gx: [Float]  // [H, W]
    let gy: [Float]  // [H, W]
    /// The window's half-width in pixels.
    static let radius = 2

    init(_ image: Image) {
        let luma = image.luminance()
        (width, height) = (image.width, image.height)
        let (w, h) = (width, height)
        var gx = [Float](repeating: 0, count: w * h), gy = gx
        for y in 0..<h {
            for x in 0..<w {
                let (x0, x1) = (max(x - 1, 0), min(x + 1, w - 1))
                let (y0, y1) = (max(y - 1, 0), min(y + 1, h - 1))
                if x1 > x0 { gx[y * w + x] = (luma[y * w + x1] - luma[y * w + x0]) / Float(x1 - x0) }
                if y1 > y0 { gy[y * w + x] = (luma[y1 * w + x] - luma[y0 * w + x]) / Float(y1 - y0) }
            }
        }
        self.gx = gx
        self.gy = gy
    }

    /// At pixel (x, y): the edge direction (radians from +x towards +y, perpendicular to
    /// the dominant gradient) and the coherence (λ₁ − λ₂)/(λ₁ + λ₂) ∈ [0, 1] of J's
    /// eigenvalues (0 for a flat or isotropic neighbourhood, 1 for a straight edge).
    func orientation(x: Int, y: Int) -> (edgeAngle: Double, coherence: Double) {
        var (jxx, jxy, jyy) = (0.0, 0.0, 0.0)
        let r = StructureTensor.radius
        for yy in max(y - r, 0)...min(y + r, height - 1) {
            for xx in max(x - r, 0)...min(x + r, width - 1) {
                let (a, b) = (Double(gx[yy * width + xx]), Double(gy[yy * width + xx]))
                jxx += a * a
                jxy += a * b
                jyy += b * b
            }
        }
        let trace = jxx + jyy
        guard trace > 1e-12 else { return (0, 0) }
        let spread = (((jxx - jyy) / 2) * ((jxx - jyy) / 2) + jxy * jxy).squareRoot()
        return (0.5 * atan2(2 * jxy, jxx - jyy) + Double.pi / 2, min(2 * spread / trace, 1))
    }
}

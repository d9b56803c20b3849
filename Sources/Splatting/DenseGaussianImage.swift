import Autograd

/// The image of a set of Gaussians, evaluated densely from ordinary autograd ops: the
/// slow, obviously-correct twin of `rasterizeGaussians` and the oracle of its tests.
///
/// Every Gaussian is evaluated at every pixel (no cutoff). Pixel (row r, column c) has its
/// centre at p = (c + 0.5, r + 0.5); with d = p − μ,
/// u = l11·dx + l21·dy, v = l22·dy (isotropic: u = k·dx, v = k·dy) and
/// image[r, c, :] = Σᵢ colorᵢ · exp(−½(u² + v²)).
/// It builds [N, H·W] intermediates, so it is meant for small tests only.
///
/// - Parameters:
///   - means: [N, 2] centres (x, y) in pixels.
///   - shape: [N, 1] inverse scales k, or [N, 3] precision Cholesky entries (l11, l21, l22).
///   - colors: [N, C] colours, C = 1 or 3.
///   - height: image rows H (positive).
///   - width: image columns W (positive).
/// - Returns: [H, W, C]; black when N = 0. Gradients flow to all three inputs.
public func denseGaussianImage(means: Tensor, shape: Tensor, colors: Tensor,
                               height: Int, width: Int) -> Tensor {
    let dims = checkedInputs {
        try SplatInputs.validate(op: "denseGaussianImage", means: means.shape, shape: shape.shape,
                                 colors: colors.shape, height: height, width: width)
    }
    guard dims.count > 0 else { return Tensor.zeros([height, width, dims.channels]) }
    let pixels = height * width
    var xs = [Float](repeating: 0, count: pixels)
    var ys = [Float](repeating: 0, count: pixels)
    for r in 0..<height {
        for c in 0..<width {
            xs[r * width + c] = Float(c) + 0.5
            ys[r * width + c] = Float(r) + 0.5
        }
    }
    let x = Tensor(shape: [1, pixels], data: xs)                     // [1, P]
    let y = Tensor(shape: [1, pixels], data: ys)                     // [1, P]
    let dx = x - means.slice(axis: 1, range: 0..<1)                  // [N, P]
    let dy = y - means.slice(axis: 1, range: 1..<2)                  // [N, P]
    let u: Tensor, v: Tensor                                         // [N, P]
    switch dims.kind {
    case .isotropic:
        u = shape * dx
        v = shape * dy
    case .anisotropic:
        let l11 = shape.slice(axis: 1, range: 0..<1)                 // [N, 1]
        let l21 = shape.slice(axis: 1, range: 1..<2)
        let l22 = shape.slice(axis: 1, range: 2..<3)
        u = l11 * dx + l21 * dy
        v = l22 * dy
    }
    let w = ((u * u + v * v) * -0.5).exp()                           // [N, P]
    let image = colors.matmul(w, transposeSelf: true)                // [C, P]
    return image.transposed().reshaped([height, width, dims.channels])
}

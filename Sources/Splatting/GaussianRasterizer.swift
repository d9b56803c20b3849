import Autograd

/// Renders 2D Gaussians with the tile-based rasterizer, as a custom autograd op whose
/// gradients flow to `means`, `shape` and `colors`.
///
/// Pixel (row r, column c) has its centre at p = (c + 0.5, r + 0.5); with d = p − μ,
/// u = l11·dx + l21·dy, v = l22·dy (isotropic: u = k·dx, v = k·dy), w = exp(−½(u² + v²)) and
/// image[r, c, :] = Σᵢ colorᵢ · wᵢ — a plain sum: no alpha, no sorting, no clamping.
/// A Gaussian contributes only where u² + v² ≤ cutoff², the ellipse of `cutoff` standard
/// deviations; each Gaussian's bounding box of that ellipse is binned into 16×16 tiles,
/// which the `Parallelism.threads` workers render (and back-propagate) independently.
///
/// Accuracy: inside the cutoff a weight is within 7e-7 of exp(−½(u² + v²)) relatively; each
/// dropped weight is below exp(−½cutoff²) (2.2e-3 at the default 3.5, so a pixel misses at
/// most Σᵢ|colorᵢ|·2.2e-3; about 2e-3 of the image's norm on random test scenes). At a cutoff
/// of 6 (dropped weights below 1.6e-8) it matches `denseGaussianImage` to 1e-5 relative.
/// The image is the same bit for bit with any number of threads, and so are the gradients.
///
/// - Parameters:
///   - means: [N, 2] centres (x, y) in pixels.
///   - shape: [N, 1] inverse scales k = 1/σ, or [N, 3] precision Cholesky entries
///     (l11, l21, l22), Σ⁻¹ = L Lᵀ, L = [[l11, 0], [l21, l22]]; unconstrained.
///   - colors: [N, C] colours, C = 1 or 3; unconstrained.
///   - height: image rows H (positive).
///   - width: image columns W (positive).
///   - cutoff: the truncation radius in standard deviations (positive).
/// - Returns: [H, W, C]. Zero Gaussians give a black image. A degenerate Gaussian (l11 or
///   l22 = 0: an infinite extent) is evaluated over the whole image; a Gaussian with a
///   non-finite parameter is skipped (contributes nothing and gets a zero gradient).
/// - Precondition: the shapes above; misuse stops with a message naming the shapes.
public func rasterizeGaussians(means: Tensor, shape: Tensor, colors: Tensor,
                               height: Int, width: Int, cutoff: Float = 3.5) -> Tensor {
    let op = "rasterizeGaussians"
    let dims = checkedInputs { () throws -> SplatInputs in
        try SplatInputs.validateCutoff(op: op, cutoff)
        return try SplatInputs.validate(op: op, means: means.shape, shape: shape.shape,
                                        colors: colors.shape, height: height, width: width)
    }
    let gaussians = projectGaussians(means: means.data, shape: shape.data, kind: dims.kind,
                                     colors: colors.data, count: dims.count, channels: dims.channels,
                                     height: height, width: width, cutoff: cutoff)
    let bins = TileBins(gaussians, height: height, width: width)
    let image = rasterizeForward(gaussians, bins: bins, height: height, width: width, cutoff: cutoff)
    let kind = dims.kind
    return Tensor.custom(op: op, shape: [height, width, dims.channels], data: image,
                         inputs: [means, shape, colors]) { gradImage in
        let grads = rasterizeBackward(gaussians, kind: kind, bins: bins, gradImage: gradImage,
                                      height: height, width: width, cutoff: cutoff)
        return [grads.dMeans, grads.dShape, grads.dColors]
    }
}

/// The number of Gaussian–pixel pairs `rasterizeGaussians` evaluates for these parameters
/// (its backward pass revisits the same pairs). Each Gaussian is evaluated on whole tile rows
/// (16 pixels, fewer at the image's right edge) inside its bounding box, except rows its
/// cutoff ellipse misses. For benchmarks; compare with N·H·W for dense evaluation.
///
/// - Parameters:
///   - means: [N, 2].
///   - shape: [N, 1] or [N, 3].
/// - Precondition: as for `rasterizeGaussians`.
public func rasterizedPairCount(means: Tensor, shape: Tensor, height: Int, width: Int,
                                cutoff: Float = 3.5) -> Int {
    let op = "rasterizedPairCount"
    let dims = checkedInputs { () throws -> SplatInputs in
        try SplatInputs.validateCutoff(op: op, cutoff)
        return try SplatInputs.validate(op: op, means: means.shape, shape: shape.shape,
                                        colors: nil, height: height, width: width)
    }
    let gaussians = projectGaussians(means: means.data, shape: shape.data, kind: dims.kind,
                                     colors: [], count: dims.count, channels: 1,
                                     height: height, width: width, cutoff: cutoff)
    let bins = TileBins(gaussians, height: height, width: width)
    return evaluatedPairCount(gaussians, bins: bins, height: height, width: width, cutoff: cutoff)
}

import Autograd

// Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004) as one fused op.
//
// Per pixel and channel, with local statistics from a window filter G:
//   μa = G a,  μb = G b,  Eaa = G a²,  Ebb = G b²,  Eab = G ab,
//   A1 = 2 μa μb + C1,          A2 = 2k (Eab − μa μb) + C2,
//   B1 = μa² + μb² + C1,        B2 = k (Eaa − μa² + Ebb − μb²) + C2,
//   S  = A1 A2 / (B1 B2),       SSIM = mean of S over the kept pixels and all channels,
// where k is the sample-covariance factor N/(N−1) (or 1). The five maps are filtered in one
// pass of a 5C-channel image. Backward: ∂S/∂(μa, μb, Eaa, Ebb, Eab) per pixel, one pass of
// the transposed filter over a 4C-channel image (∂S/∂Eaa = ∂S/∂Ebb), then the chain rule
// through a², b², ab.

/// C1 = (0.01·R)², C2 = (0.03·R)² for data range R = 1.
private let ssimC1: Float = 0.01 * 0.01
private let ssimC2: Float = 0.03 * 0.03

/// The window SSIM takes its local statistics over.
public enum SSIMWindow: String, CaseIterable, Sendable {
    /// 11×11 Gaussian, σ = 1.5, zeros beyond the edges, population statistics, mean over
    /// every pixel — Wang et al.'s window as 3DGS's `ssim()` (PyTorch `conv2d`, padding 5)
    /// computes it.
    case gaussian11
    /// 7×7 box, sample statistics (×N/(N−1), N = 49), mean over the pixels at least 3 from
    /// every edge — scikit-image's `structural_similarity` defaults.
    case uniform7

    /// The window for an image of `height` × `width`: shrunk to the largest odd size that
    /// fits the smaller side (a 1×1 image gets a 1×1 window and no covariance factor).
    func resolved(height: Int, width: Int) -> SSIMWindowSetup {
        let fits = min(height, width) % 2 == 1 ? min(height, width) : min(height, width) - 1
        switch self {
        case .gaussian11:
            let size = min(11, fits)
            return SSIMWindowSetup(size: size, taps: gaussianTaps(sigma: 1.5, radius: (size - 1) / 2),
                                   boundary: .zero, crop: 0, covarianceScale: 1)
        case .uniform7:
            let size = min(7, fits)
            let n = Float(size * size)
            return SSIMWindowSetup(size: size, taps: boxTaps(radius: (size - 1) / 2), boundary: .reflect,
                                   crop: (size - 1) / 2, covarianceScale: n > 1 ? n / (n - 1) : 1)
        }
    }
}

/// A window made concrete for one image size.
struct SSIMWindowSetup {
    /// The (odd) window side in pixels.
    let size: Int
    /// The 1-D weights, applied along both axes [size].
    let taps: [Float]
    let boundary: BlurBoundary
    /// Pixels left out of the mean at every edge.
    let crop: Int
    /// k, multiplying the variances and the covariance.
    let covarianceScale: Float
}

/// Mean SSIM of `a` against `b`, a scalar in [−1, 1] (1 exactly when a = b), differentiable
/// in both.
///
/// Constants C1 = 0.01², C2 = 0.03² (data range 1); values outside [0, 1] are allowed.
/// Images smaller than the window use the largest odd window that fits (see `SSIMWindow`).
/// - Parameters:
///   - a: an image. // [H, W, C]
///   - b: an image of the same shape. // [H, W, C]
///   - window: `.gaussian11` (3DGS) or `.uniform7` (scikit-image).
/// - Returns: the mean SSIM, shape `[]`.
public func ssim(_ a: Tensor, _ b: Tensor, window: SSIMWindow = .gaussian11) -> Tensor {
    let state = SSIMState(a, b, window: window, op: "ssim")
    return Tensor.custom(op: "ssim", shape: [], data: [Float(state.mean)], inputs: [a, b]) { gradOutput in
        let (da, db) = state.gradients(scale: gradOutput[0], needA: a.requiresGrad, needB: b.requiresGrad)
        return [da, db]
    }
}

/// Mean SSIM as a plain number (no graph), accumulated in Double: the metric logged per
/// snapshot. Same definition and arguments as `ssim(_:_:window:)`.
public func ssimValue(_ a: Tensor, _ b: Tensor, window: SSIMWindow = .gaussian11) -> Double {
    SSIMState(a, b, window: window, op: "ssimValue").mean
}

// MARK: - Forward and backward

/// The forward pass and what the backward pass needs of it.
private struct SSIMState {
    let height: Int, width: Int, channels: Int
    let setup: SSIMWindowSetup
    let filter: ImageFilter
    let a: [Float], b: [Float]  // [H, W, C] each
    /// μa, μb, Eaa, Ebb, Eab: channel q·C + c of an [H, W, 5C] image.
    let moments: [Float]
    /// Kept pixels × channels.
    let count: Int
    let mean: Double

    init(_ a: Tensor, _ b: Tensor, window: SSIMWindow, op: String) {
        let (h, w, c) = requireValidImageOp { () throws -> (Int, Int, Int) in
            let extents = try imageExtents(a.shape, op: op)
            guard a.shape == b.shape else {
                throw ShapeError(op: op, "the two images have shapes \(a.shape) and \(b.shape); they must match")
            }
            return extents
        }
        height = h; width = w; channels = c
        setup = window.resolved(height: h, width: w)
        filter = ImageFilter(taps: setup.taps, boundary: setup.boundary, height: h, width: w)
        self.a = a.data
        self.b = b.data

        // The five products, pixel by pixel, then one filter pass over all of them.
        let pixels = h * w
        var products = [Float](repeating: 0, count: pixels * 5 * c)
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                products.withUnsafeMutableBufferPointer { pp in
                    let x = pa.baseAddress!, y = pb.baseAddress!, out = pp.baseAddress!
                    Parallelism.forEachChunk(pixels, minChunk: 4096) { range in
                        for p in range {
                            let o = out + p * 5 * c, xa = x + p * c, yb = y + p * c
                            for k in 0..<c {
                                let u = xa[k], v = yb[k]
                                o[k] = u
                                o[c + k] = v
                                o[2 * c + k] = u * u
                                o[3 * c + k] = v * v
                                o[4 * c + k] = u * v
                            }
                        }
                    }
                }
            }
        }
        moments = filter.apply(products, channels: 5 * c)

        // S per kept pixel, summed per row in Double (a fixed order for any thread count).
        let crop = setup.crop, scale = setup.covarianceScale
        var rowSums = [Double](repeating: 0, count: h)
        moments.withUnsafeBufferPointer { pm in
            rowSums.withUnsafeMutableBufferPointer { ps in
                let m = pm.baseAddress!, sums = ps.baseAddress!
                Parallelism.forEachChunk(h - 2 * crop, minChunk: 16) { rows in
                    for row in rows {
                        let i = row + crop
                        var acc = 0.0
                        for j in crop..<(w - crop) {
                            let o = m + (i * w + j) * 5 * c
                            for k in 0..<c {
                                let terms = SSIMTerms(muA: o[k], muB: o[c + k], eAA: o[2 * c + k], eBB: o[3 * c + k],
                                                      eAB: o[4 * c + k], scale: scale)
                                acc += Double(terms.a1 * terms.a2 / (terms.b1 * terms.b2))
                            }
                        }
                        sums[i] = acc
                    }
                }
            }
        }
        count = (h - 2 * crop) * (w - 2 * crop) * c
        mean = rowSums.reduce(0, +) / Double(count)
    }

    /// ∂(scale · SSIM)/∂a and ∂/∂b (nil where not needed), each laid out like the images.
    func gradients(scale upstream: Float, needA: Bool, needB: Bool) -> (a: [Float]?, b: [Float]?) {
        guard needA || needB else { return (nil, nil) }
        let h = height, w = width, c = channels, crop = setup.crop, k = setup.covarianceScale
        let weight = upstream / Float(count)
        // ∂S/∂μa, ∂S/∂μb, ∂S/∂Eaa (= ∂S/∂Ebb), ∂S/∂Eab as an [H, W, 4C] image, zero off the kept area.
        var partials = [Float](repeating: 0, count: h * w * 4 * c)
        moments.withUnsafeBufferPointer { pm in
            partials.withUnsafeMutableBufferPointer { pd in
                let m = pm.baseAddress!, d = pd.baseAddress!
                Parallelism.forEachChunk(h - 2 * crop, minChunk: 16) { rows in
                    for row in rows {
                        let i = row + crop
                        for j in crop..<(w - crop) {
                            let o = m + (i * w + j) * 5 * c, g = d + (i * w + j) * 4 * c
                            for q in 0..<c {
                                let muA = o[q], muB = o[c + q]
                                let t = SSIMTerms(muA: muA, muB: muB, eAA: o[2 * c + q], eBB: o[3 * c + q],
                                                  eAB: o[4 * c + q], scale: k)
                                let denominator = 1 / (t.b1 * t.b2)
                                let s = t.a1 * t.a2 * denominator
                                let common = 2 * (t.a2 - k * t.a1) * denominator   // from A1, A2
                                let spread = 2 * s * (1 / t.b1 - k / t.b2)          // from B1, B2
                                g[q] = weight * (muB * common - muA * spread)
                                g[c + q] = weight * (muA * common - muB * spread)
                                g[2 * c + q] = weight * (-s * k / t.b2)
                                g[3 * c + q] = weight * (2 * k * t.a1 * denominator)
                            }
                        }
                    }
                }
            }
        }
        let spread = filter.transposed().apply(partials, channels: 4 * c)

        // a enters μa, Eaa = G a², Eab = G ab: ∂/∂a = Gᵀ∂μa + 2a Gᵀ∂Eaa + b Gᵀ∂Eab (b alike).
        var da = needA ? [Float](repeating: 0, count: a.count) : []
        var db = needB ? [Float](repeating: 0, count: b.count) : []
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                spread.withUnsafeBufferPointer { ps in
                    da.withUnsafeMutableBufferPointer { pda in
                        db.withUnsafeMutableBufferPointer { pdb in
                            let x = pa.baseAddress!, y = pb.baseAddress!, g = ps.baseAddress!
                            let outA = needA ? pda.baseAddress : nil, outB = needB ? pdb.baseAddress : nil
                            Parallelism.forEachChunk(h * w, minChunk: 4096) { range in
                                for p in range {
                                    let gp = g + p * 4 * c
                                    for q in 0..<c {
                                        let u = x[p * c + q], v = y[p * c + q]
                                        let square = 2 * gp[2 * c + q], cross = gp[3 * c + q]
                                        if let outA { outA[p * c + q] = gp[q] + u * square + v * cross }
                                        if let outB { outB[p * c + q] = gp[c + q] + v * square + u * cross }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (needA ? da : nil, needB ? db : nil)
    }
}

/// The four factors of S = A1·A2 / (B1·B2) at one pixel and channel.
private struct SSIMTerms {
    let a1: Float, a2: Float, b1: Float, b2: Float

    @inline(__always)
    init(muA: Float, muB: Float, eAA: Float, eBB: Float, eAB: Float, scale k: Float) {
        a1 = 2 * muA * muB + ssimC1
        a2 = 2 * k * (eAB - muA * muB) + ssimC2
        b1 = muA * muA + muB * muB + ssimC1
        b2 = k * (eAA - muA * muA + eBB - muB * muB) + ssimC2
    }
}

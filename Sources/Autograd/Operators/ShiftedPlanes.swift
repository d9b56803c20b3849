// Stride-1 convolutions without a column matrix: products over shifted planes.
//
// For one image x [C, H, W] with zero padding p, the C·KW shifted planes
//
//   S[c, j][h', ow] = xpad[c, h', ow + j]        h' < H + 2p (= Hp), ow < OW
//
// hold every tap of the column matrix: the taps of kernel row i are
//
//   cols[(c, i, j), q] = S[c, j][i·OW + q]       q = oh·OW + ow
//
// so for each kernel row i the rows (c, j) of the column matrix are contiguous
// runs Hp·OW apart, an ordinary strided matrix S_i for BLAS (Hp·OW ≥ OH·OW), and
//
//   y  = Σ_i W_i · S_i                  W_i[o, (c, j)] = w[o, c, i, j]   [OC, C·KW]
//   dS_i = W_iᵀ · dy   (added up over i; the planes overlap from one i to the next)
//   dWᵀ_i = S_i · dyᵀ                                                      [C·KW, OC]
//
// KH products with K = C·KW instead of one with K = C·KH·KW, and the planes are
// KH times smaller than the column matrix. Measured on CNN-A (batch 64, one core,
// sgemm only): conv1 forward 3.29 ms as 7 products vs 3.35 ms as one, plus 0.65 ms
// of im2col saved; conv2 forward 4.14 vs 4.07 ms plus ~0.4 ms of im2col saved;
// conv2's input gradient 3.89 vs 3.84 ms plus the col2im saved. Only the weight
// gradient of a layer with few channels (conv1: K = 21) runs much slower split
// (5.1 vs 3.5 ms): there the column matrix is rebuilt from the planes, one
// contiguous copy per tap, and multiplied in one product.

/// The shifted planes of one image and the buffers that go with them: one per worker.
struct ShiftedPlanes {
    /// `[C·KW, Hp, OW]`: the planes S, zero wherever they read padding.
    let planes: UnsafeMutablePointer<Float>
    /// `[C·KW, Hp, OW]`: where the input gradient's planes dS add up; `nil` when not needed.
    let gradientPlanes: UnsafeMutablePointer<Float>?
    /// `[C·KH·KW, OH·OW]`: the column matrix rebuilt from the planes; `nil` when not needed.
    let columns: UnsafeMutablePointer<Float>?
    /// Floats per plane, Hp·OW: the row stride of every S_i.
    let planeSize: Int
    /// Planes in all, C·KW: the inner dimension of every product.
    let count: Int

    /// Whether a convolution of this geometry runs on shifted planes (stride 1, not 1×1).
    static func apply(to g: ConvGeometry) -> Bool { g.stride == 1 && !g.isPointwise }

    /// Whether the weight gradient of this geometry is rebuilt as a column matrix
    /// rather than split by kernel rows (few planes make the split products slow).
    /// (conv2's 80 planes: the same time either way, within noise.)
    static func rebuildsColumns(_ g: ConvGeometry) -> Bool { g.channels * g.kernelWidth < 64 }

    init(_ g: ConvGeometry, gradient: Bool, columns: Bool) {
        planeSize = g.paddedHeight * g.outWidth
        count = g.channels * g.kernelWidth
        planes = .allocate(capacity: count * planeSize)
        // The padding parts are never written again: `fill` copies only the image.
        planes.initialize(repeating: 0, count: count * planeSize)
        gradientPlanes = gradient ? .allocate(capacity: count * planeSize) : nil
        self.columns = columns ? .allocate(capacity: g.patchSize * g.outPlane) : nil
    }

    func deallocate() {
        planes.deallocate()
        gradientPlanes?.deallocate()
        columns?.deallocate()
    }

    /// The strided matrix S_i of kernel row `i`: `[C·KW, OH·OW]`, rows `planeSize` apart.
    @inline(__always)
    func rows(_ i: Int, _ g: ConvGeometry) -> UnsafeMutablePointer<Float> { planes + i * g.outWidth }

    /// Writes the planes of one image `x` [C, H, W] (only where they read the image).
    func fill(from x: UnsafePointer<Float>, _ g: ConvGeometry) {
        let (p, ow) = (g.padding, g.outWidth)
        for c in 0..<g.channels {
            for j in 0..<g.kernelWidth {
                // Output columns whose tap j reads inside the image: 0 ≤ o + j − p < W.
                let first = Swift.max(0, p - j), end = Swift.min(ow, g.width + p - j)
                guard first < end else { continue }
                let plane = planes + (c * g.kernelWidth + j) * planeSize
                copyRuns(from: x + c * g.inPlane + (first + j - p), stride: g.width,
                         to: plane + p * ow + first, toStride: ow, rows: g.height, length: end - first)
            }
        }
    }

    /// Rebuilds the column matrix `[C·KH·KW, OH·OW]` in `columns`: one contiguous copy per tap.
    func buildColumns(_ g: ConvGeometry) {
        guard let columns else { preconditionFailure("ShiftedPlanes: made without a column buffer") }
        var row = columns
        for c in 0..<g.channels {
            for i in 0..<g.kernelHeight {
                for j in 0..<g.kernelWidth {
                    row.update(from: planes + (c * g.kernelWidth + j) * planeSize + i * g.outWidth, count: g.outPlane)
                    row += g.outPlane
                }
            }
        }
    }

    /// Zeroes the parts of the gradient planes that the first product (kernel row 0,
    /// written with beta 0) leaves alone but later rows add onto: the last KH − 1 rows.
    func clearGradientTails(_ g: ConvGeometry) {
        guard let gradientPlanes else { return }
        let tail = planeSize - g.outPlane
        guard tail > 0 else { return }
        for k in 0..<count { (gradientPlanes + k * planeSize + g.outPlane).update(repeating: 0, count: tail) }
    }

    /// The input gradient of one image from the summed gradient planes:
    /// `dx[c, h, w] = Σ_j dS[c, j][h + p, w + p − j]` over the columns that exist.
    ///
    /// - Parameter dx: `[C, H, W]`, overwritten.
    func unshift(into dx: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        guard let gradientPlanes else { preconditionFailure("ShiftedPlanes: made without gradient planes") }
        let (p, ow) = (g.padding, g.outWidth)
        dx.update(repeating: 0, count: g.channels * g.inPlane)
        for c in 0..<g.channels {
            for j in 0..<g.kernelWidth {
                let first = Swift.max(0, p - j), end = Swift.min(ow, g.width + p - j)
                guard first < end else { continue }
                let plane = gradientPlanes + (c * g.kernelWidth + j) * planeSize
                addRuns(from: plane + p * ow + first, stride: ow,
                        to: dx + c * g.inPlane + (first + j - p), toStride: g.width, rows: g.height, length: end - first)
            }
        }
    }
}

/// `w` [OC, C, KH, KW] regrouped by kernel row as KH blocks of W_iᵀ, `[KH, C·KW, OC]`:
/// `out[(i·C + c)·KW + j, o] = w[o, c, i, j]`.
func weightsByKernelRow(_ w: [Float], _ g: ConvGeometry) -> [Float] {
    let (oc, c, kh, kw) = (g.outChannels, g.channels, g.kernelHeight, g.kernelWidth)
    var out = [Float](repeating: 0, count: w.count)
    out.withUnsafeMutableBufferPointer { o in
        w.withUnsafeBufferPointer { src in
            for oi in 0..<oc { for ci in 0..<c { for i in 0..<kh { for j in 0..<kw {
                o[((i * c + ci) * kw + j) * oc + oi] = src[((oi * c + ci) * kh + i) * kw + j]
            } } } }
        }
    }
    return out
}

/// The inverse layout change for a weight gradient: `[KH, C·KW, OC]` → `[OC, C, KH, KW]`.
func weightsFromKernelRows(_ r: [Float], _ g: ConvGeometry) -> [Float] {
    let (oc, c, kh, kw) = (g.outChannels, g.channels, g.kernelHeight, g.kernelWidth)
    var out = [Float](repeating: 0, count: r.count)
    out.withUnsafeMutableBufferPointer { o in
        r.withUnsafeBufferPointer { src in
            for oi in 0..<oc { for ci in 0..<c { for i in 0..<kh { for j in 0..<kw {
                o[((oi * c + ci) * kh + i) * kw + j] = src[((i * c + ci) * kw + j) * oc + oi]
            } } } }
        }
    }
    return out
}

/// Copies `rows` runs of `length` floats, `stride` apart, to runs `toStride` apart.
///
/// Inline, 8 lanes at a time, the last vector overlapping the one before when the
/// length is not a multiple of 8 (the runs are short: a memmove call per run cost
/// more than the copy).
@inline(__always)
func copyRuns(from src: UnsafePointer<Float>, stride: Int, to dst: UnsafeMutablePointer<Float>,
                      toStride: Int, rows: Int, length: Int) {
    guard length >= 8 else {
        for r in 0..<rows { (dst + r * toStride).update(from: src + r * stride, count: length) }
        return
    }
    let last = 4 * (length - 8)
    for r in 0..<rows {
        let s = UnsafeRawPointer(src + r * stride), d = UnsafeMutableRawPointer(dst + r * toStride)
        var t = 0
        while t < last {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: t, as: SIMD8<Float>.self), toByteOffset: t, as: SIMD8<Float>.self)
            t += 32
        }
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: last, as: SIMD8<Float>.self), toByteOffset: last, as: SIMD8<Float>.self)
    }
}

/// Adds `rows` runs of `length` floats, `stride` apart, onto runs `toStride` apart in `dst`,
/// 8 lanes at a time.
@inline(__always)
private func addRuns(from src: UnsafePointer<Float>, stride: Int, to dst: UnsafeMutablePointer<Float>,
                     toStride: Int, rows: Int, length: Int) {
    for r in 0..<rows {
        let s = UnsafeRawPointer(src + r * stride), d = UnsafeMutableRawPointer(dst + r * toStride)
        var t = 0
        while t + 8 <= length {
            let sum = d.loadUnaligned(fromByteOffset: 4 * t, as: SIMD8<Float>.self)
                + s.loadUnaligned(fromByteOffset: 4 * t, as: SIMD8<Float>.self)
            d.storeBytes(of: sum, toByteOffset: 4 * t, as: SIMD8<Float>.self)
            t += 8
        }
        while t < length {
            let sum = d.load(fromByteOffset: 4 * t, as: Float.self) + s.load(fromByteOffset: 4 * t, as: Float.self)
            d.storeBytes(of: sum, toByteOffset: 4 * t, as: Float.self)
            t += 1
        }
    }
}

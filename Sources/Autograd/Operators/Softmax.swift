import Foundation

// softmax and log-softmax along one axis, each with its analytic gradient.
//
// The input is viewed as [outer, n, inner] around the axis. When the axis is the
// last one (inner = 1) each slice is a contiguous row; otherwise the loops run
// over rows of `inner` contiguous elements, keeping one running maximum and sum
// per column, so the innermost loop still walks adjacent memory.

/// Elements per parallel work item.
private let softmaxGrain = 1 << 15

// MARK: - Kernels

/// The maximum of a contiguous run of `n ≥ 1` elements, with four independent
/// running maxima (NaN is not propagated reliably; its softmax is NaN anyway).
@inline(__always)
private func rowMaximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m0 = x[0], m1 = x[0], m2 = x[0], m3 = x[0]
    var a = 1
    while a + 4 <= n {
        m0 = Swift.max(m0, x[a]); m1 = Swift.max(m1, x[a + 1])
        m2 = Swift.max(m2, x[a + 2]); m3 = Swift.max(m3, x[a + 3])
        a += 4
    }
    while a < n { m0 = Swift.max(m0, x[a]); a += 1 }
    return Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
}

/// softmax (or log-softmax) of `[outer, n, inner]` over the middle axis, with the
/// slice maximum subtracted before exponentiating.
private func softmaxForward(_ values: [Float], outer: Int, n: Int, inner: Int, logarithm: Bool) -> [Float] {
    var out = [Float](repeating: 0, count: values.count)
    guard !values.isEmpty else { return out }
    values.withUnsafeBufferPointer { px in
        out.withUnsafeMutableBufferPointer { py in
            let x = px.baseAddress!, y = py.baseAddress!
            Parallelism.forEachChunk(outer, minChunk: Swift.max(1, softmaxGrain / (n * inner))) { rows in
                if inner == 1 {
                    for o in rows {
                        let xr = x + o * n, yr = y + o * n
                        let m = rowMaximum(xr, n)
                        // The exponentials go through the output row, then are summed with
                        // independent accumulators (no serial dependency in the exp loop).
                        for a in 0..<n { yr[a] = Foundation.exp(xr[a] - m) }
                        let sum = Float(sumRun(yr, n))
                        if logarithm {
                            // (x − m) − log Σ: adding m to the log first would round at |m|'s scale.
                            let logSum = Foundation.log(sum)
                            for a in 0..<n { yr[a] = (xr[a] - m) - logSum }
                        } else {
                            let inverse = 1 / sum
                            for a in 0..<n { yr[a] *= inverse }
                        }
                    }
                    return
                }
                // Per-column maximum and sum, allocated once per chunk.
                var maxima = [Float](repeating: 0, count: inner)
                var sums = [Float](repeating: 0, count: inner)
                maxima.withUnsafeMutableBufferPointer { pm in
                    sums.withUnsafeMutableBufferPointer { ps in
                        let m = pm.baseAddress!, s = ps.baseAddress!
                        for o in rows {
                            let xs = x + o * n * inner, ys = y + o * n * inner
                            for c in 0..<inner { m[c] = xs[c]; s[c] = 0 }
                            for a in 1..<n {
                                let row = xs + a * inner
                                for c in 0..<inner { m[c] = Swift.max(m[c], row[c]) }
                            }
                            if logarithm {
                                for a in 0..<n {
                                    let row = xs + a * inner
                                    for c in 0..<inner { s[c] += Foundation.exp(row[c] - m[c]) }
                                }
                                for c in 0..<inner { s[c] = Foundation.log(s[c]) }
                                for a in 0..<n {
                                    let row = xs + a * inner, dst = ys + a * inner
                                    for c in 0..<inner { dst[c] = (row[c] - m[c]) - s[c] }
                                }
                            } else {
                                for a in 0..<n {
                                    let row = xs + a * inner, dst = ys + a * inner
                                    for c in 0..<inner {
                                        let e = Foundation.exp(row[c] - m[c])
                                        dst[c] = e
                                        s[c] += e
                                    }
                                }
                                for c in 0..<inner { s[c] = 1 / s[c] }
                                for a in 0..<n {
                                    let dst = ys + a * inner
                                    for c in 0..<inner { dst[c] *= s[c] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return out
}

/// The input gradient of softmax (`y` = softmax output: dx = y ⊙ (g − Σ g⊙y)) or
/// of log-softmax (`y` = log-softmax output: dx = g − eʸ ⊙ Σ g), sums over the
/// middle axis of `[outer, n, inner]`.
private func softmaxBackward(_ gradient: [Float], _ output: [Float], outer: Int, n: Int, inner: Int,
                             logarithm: Bool) -> [Float] {
    var dx = [Float](repeating: 0, count: output.count)
    guard !output.isEmpty else { return dx }
    gradient.withUnsafeBufferPointer { pg in
        output.withUnsafeBufferPointer { py in
            dx.withUnsafeMutableBufferPointer { pd in
                let g = pg.baseAddress!, y = py.baseAddress!, d = pd.baseAddress!
                Parallelism.forEachChunk(outer, minChunk: Swift.max(1, softmaxGrain / (n * inner))) { rows in
                    var sums = [Float](repeating: 0, count: inner)
                    sums.withUnsafeMutableBufferPointer { ps in
                        let s = ps.baseAddress!
                        for o in rows {
                            let base = o * n * inner
                            let gs = g + base, ys = y + base, ds = d + base
                            for c in 0..<inner { s[c] = 0 }
                            if logarithm {
                                for a in 0..<n {
                                    let row = gs + a * inner
                                    for c in 0..<inner { s[c] += row[c] }
                                }
                                for a in 0..<n {
                                    let k = a * inner
                                    for c in 0..<inner { ds[k + c] = gs[k + c] - Foundation.exp(ys[k + c]) * s[c] }
                                }
                            } else {
                                for a in 0..<n {
                                    let k = a * inner
                                    for c in 0..<inner { s[c] += gs[k + c] * ys[k + c] }
                                }
                                for a in 0..<n {
                                    let k = a * inner
                                    for c in 0..<inner { ds[k + c] = ys[k + c] * (gs[k + c] - s[c]) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return dx
}

// MARK: - Operators

extension Tensor {
    /// softmax along `axis` (default: the last; negative counts from the end):
    /// yᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) with m the slice maximum, so large logits
    /// cannot overflow. Each slice along `axis` sums to 1.
    ///
    /// Gradient: dx = y ⊙ (g − Σ g ⊙ y), the sum along `axis`.
    public func softmax(axis: Int = -1) -> Tensor {
        softmaxOp(axis: axis, logarithm: false)
    }

    /// log-softmax along `axis` (default: the last): yᵢ = (xᵢ − m) − log Σⱼ e^(xⱼ − m),
    /// stable for large and very negative logits alike, and accurate near 0 even
    /// when the logits themselves are large.
    ///
    /// Gradient: dx = g − softmax(x) ⊙ Σ g, the sum along `axis`.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        softmaxOp(axis: axis, logarithm: true)
    }

    private func softmaxOp(axis: Int, logarithm: Bool) -> Tensor {
        let op = logarithm ? "logSoftmax" : "softmax"
        let resolved = checked { try Shape.resolvedAxis(axis, shape: shape, op: op) }
        let (outer, n, inner) = Shape.split(shape, first: resolved, last: resolved)
        let y = softmaxForward(data, outer: outer, n: n, inner: inner, logarithm: logarithm)
        let x = self
        return Tensor(shape: shape, data: y, op: op, parents: [x]) { g in
            [Gradient(softmaxBackward(g, y, outer: outer, n: n, inner: inner, logarithm: logarithm), shape: x.shape)]
        }
    }
}

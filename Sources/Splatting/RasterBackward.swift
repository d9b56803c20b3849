import Autograd

/// The gradients of the rasterizer's inputs, in the raw layouts of its inputs.
struct RasterGradients {
    /// [N, 2] ∂loss/∂means.
    var dMeans: [Float]
    /// [N, 1] or [N, 3] ∂loss/∂shape.
    var dShape: [Float]
    /// [N, C] ∂loss/∂colors.
    var dColors: [Float]
}

/// Values stored per (tile, Gaussian) pair: ∂mx, ∂my, ∂l11, ∂l21, ∂l22, then C colour terms.
private let pairHeader = 5

/// Back-propagates ∂loss/∂image through `rasterizeForward`.
///
/// Per pixel with w = exp(−½(u² + v²)) inside the cutoff and g = ∂loss/∂image[r, c, :]:
/// ∂loss/∂w = Σ_c color_c·g_c, and with G = −w·∂loss/∂w (so ∂loss/∂u = G·u, ∂loss/∂v = G·v):
///   ∂mx = −l11·ΣG·u,  ∂my = −(l21·ΣG·u + l22·ΣG·v),
///   ∂l11 = ΣG·u·dx,  ∂l21 = ΣG·u·dy,  ∂l22 = ΣG·v·dy,  ∂color_c = Σw·g_c,
/// and for an isotropic k (u = k·dx, v = k·dy): ∂k = ΣG·(u·dx + v·dy) = ∂l11 + ∂l22.
///
/// w is recomputed tile by tile (nothing of size N × pixels is kept). Each worker writes the
/// sums of each (tile, Gaussian) pair into that pair's own slot; one pass in tile order
/// then adds the slots into the Gaussians. Compared with one N-sized gradient buffer per
/// worker, this costs (5 + C) floats per pair instead of per Gaussian and worker, and makes
/// the result the same bit for bit whatever the number of threads.
///
/// - Parameter gradImage: [H, W, C].
func rasterizeBackward(_ g: ProjectedGaussians, kind: GaussianShape, bins: TileBins,
                       gradImage: [Float], height: Int, width: Int, cutoff: Float) -> RasterGradients {
    let n = g.count, channels = g.channels
    let stride = pairHeader + channels
    var slots = [Float](repeating: 0, count: bins.pairCount * stride)
    let ranges = bins.balancedRanges(parts: Parallelism.threads)
    let c2 = cutoff * cutoff
    let s = TileBins.tileSize, lanes = Lanes.scalarCount
    slots.withUnsafeMutableBufferPointer { slotBuffer in
        gradImage.withUnsafeBufferPointer { gradBuffer in
        g.means.withUnsafeBufferPointer { means in
        g.chol.withUnsafeBufferPointer { chol in
        g.colors.withUnsafeBufferPointer { colors in
        g.boxes.withUnsafeBufferPointer { boxes in
        bins.start.withUnsafeBufferPointer { start in
        bins.indices.withUnsafeBufferPointer { indices in
            guard bins.pairCount > 0 else { return }
            let slotBase = slotBuffer.baseAddress!
            let gradBase = gradBuffer.baseAddress!
            Parallelism.forEachChunk(ranges.count) { parts in
                // The tile's output gradient, planar like the forward's accumulator
                // (gTile[(ch·16 + row)·segmentsPerRow + segment]), zero past the right edge.
                let gTile = UnsafeMutablePointer<Lanes>.allocate(capacity: s * segmentsPerRow * channels)
                defer { gTile.deallocate() }
                let plane = s * segmentsPerRow
                for part in parts {
                    for tile in ranges[part] {
                        guard start[tile] < start[tile + 1] else { continue }
                        let tx = tile % bins.tilesX, ty = tile / bins.tilesX
                        let x0 = tx * s, y0 = ty * s
                        let cols = min(s, width - x0), rows = min(s, height - y0)
                        let segments = (cols + lanes - 1) / lanes
                        if cols < s { gTile.initialize(repeating: .zero, count: plane * channels) }
                        gTile.withMemoryRebound(to: Float.self, capacity: s * s * channels) { gScalars in
                            for row in 0..<rows {
                                let line = gradBase + ((y0 + row) * width + x0) * channels
                                for ch in 0..<channels {
                                    let lane = gScalars + (ch * s + row) * s
                                    for col in 0..<cols { lane[col] = line[col * channels + ch] }
                                }
                            }
                        }
                        for k in start[tile]..<start[tile + 1] {
                            let i = Int(indices[k])
                            let mx = means[2 * i], my = means[2 * i + 1]
                            let l11 = chol[3 * i], l21 = chol[3 * i + 1], l22 = chol[3 * i + 2]
                            let r0 = max(y0, Int(boxes[4 * i + 2])), r1 = min(y0 + rows, Int(boxes[4 * i + 3]))
                            var sumGu = Lanes.zero, sumGv = Lanes.zero
                            var sumGuDx = Lanes.zero, sumGuDy = Lanes.zero, sumGvDy = Lanes.zero
                            var sumWg0 = Lanes.zero, sumWg1 = Lanes.zero, sumWg2 = Lanes.zero  // Σ w·g_c
                            for segment in 0..<segments {
                                let left = x0 + segment * lanes
                                let dx = laneCentres + Float(left) - mx
                                let ux = l11 * dx
                                let (uxLow, uxHigh) = segmentRange(l11: l11, mx: mx, left: left,
                                                                   right: min(left + lanes, x0 + cols))
                                for r in r0..<r1 {
                                    let dy = Float(r) + 0.5 - my
                                    let v = l22 * dy
                                    guard rowMayHit(v: v, uShift: l21 * dy, uxLow: uxLow, uxHigh: uxHigh, c2: c2) else { continue }
                                    let u = ux + l21 * dy
                                    let q = u * u + v * v
                                    var w = vectorExp2(q * negHalfLog2e)
                                    w.replace(with: 0, where: .!(q .<= c2))
                                    let at = (r - y0) * segmentsPerRow + segment
                                    let dLdw: Lanes
                                    if channels == 3 {
                                        let g0 = gTile[at], g1 = gTile[plane + at], g2 = gTile[2 * plane + at]
                                        dLdw = colors[3 * i] * g0 + colors[3 * i + 1] * g1 + colors[3 * i + 2] * g2
                                        sumWg0 += w * g0
                                        sumWg1 += w * g1
                                        sumWg2 += w * g2
                                    } else {
                                        let g0 = gTile[at]
                                        dLdw = colors[i] * g0
                                        sumWg0 += w * g0
                                    }
                                    let gw = -w * dLdw
                                    let gu = gw * u
                                    let gv = gw * v
                                    sumGu += gu
                                    sumGv += gv
                                    sumGuDx += gu * dx
                                    sumGuDy += gu * dy
                                    sumGvDy += gv * dy
                                }
                            }
                            let su = sumGu.sum(), sv = sumGv.sum()
                            let slot = slotBase + k * stride
                            slot[0] = -l11 * su
                            slot[1] = -(l21 * su + l22 * sv)
                            slot[2] = sumGuDx.sum()
                            slot[3] = sumGuDy.sum()
                            slot[4] = sumGvDy.sum()
                            slot[pairHeader] = sumWg0.sum()
                            if channels == 3 {
                                slot[pairHeader + 1] = sumWg1.sum()
                                slot[pairHeader + 2] = sumWg2.sum()
                            }
                        }
                    }
                }
            }
        }
        }
        }
        }
        }
        }
        }
    }
    // Reduce the pair slots into the Gaussians, in tile order.
    var dMeans = [Float](repeating: 0, count: 2 * n)
    var dChol = [Float](repeating: 0, count: 3 * n)
    var dColors = [Float](repeating: 0, count: channels * n)
    slots.withUnsafeBufferPointer { slotBuffer in
        bins.indices.withUnsafeBufferPointer { indices in
            for k in 0..<indices.count {
                let i = Int(indices[k])
                let slot = slotBuffer.baseAddress! + k * stride
                dMeans[2 * i] += slot[0]
                dMeans[2 * i + 1] += slot[1]
                dChol[3 * i] += slot[2]
                dChol[3 * i + 1] += slot[3]
                dChol[3 * i + 2] += slot[4]
                for ch in 0..<channels { dColors[channels * i + ch] += slot[pairHeader + ch] }
            }
        }
    }
    let dShape: [Float]
    switch kind {
    case .anisotropic:
        dShape = dChol
    case .isotropic:
        var dk = [Float](repeating: 0, count: n)
        for i in 0..<n { dk[i] = dChol[3 * i] + dChol[3 * i + 2] }
        dShape = dk
    }
    return RasterGradients(dMeans: dMeans, dShape: dShape, dColors: dColors)
}

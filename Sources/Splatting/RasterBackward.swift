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
/// then adds the slots into the Gaussians. The result is therefore the same bit for bit
/// whatever the number of threads.
///
/// - Parameter gradImage: [H, W, C].
func rasterizeBackward(_ g: ProjectedGaussians, kind: GaussianShape, bins: TileBins,
                       gradImage: [Float], height: Int, width: Int, cutoff: Float) -> RasterGradients {
    let n = g.count, channels = g.channels
    let stride = pairHeader + channels
    var slots = [Float](repeating: 0, count: bins.pairCount * stride)
    let ranges = bins.balancedRanges(parts: Parallelism.threads)
    let c2 = cutoff * cutoff
    let s = TileBins.tileSize
    slots.withUnsafeMutableBufferPointer { slotBuffer in
        gradImage.withUnsafeBufferPointer { gradBuffer in
        g.means.withUnsafeBufferPointer { means in
        g.chol.withUnsafeBufferPointer { chol in
        g.colors.withUnsafeBufferPointer { colors in
        g.boxes.withUnsafeBufferPointer { boxes in
        bins.start.withUnsafeBufferPointer { start in
        bins.indices.withUnsafeBufferPointer { indices in
            let slotBase = slotBuffer.baseAddress!
            let gradBase = gradBuffer.baseAddress!
            guard bins.pairCount > 0 else { return }
            Parallelism.forEachChunk(ranges.count) { parts in
                // The tile's output gradient, one SIMD16 per row and channel, zero past the edge.
                let gTile = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: s * channels)
                let colorSums = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: channels)
                defer { gTile.deallocate(); colorSums.deallocate() }
                for part in parts {
                    for tile in ranges[part] {
                        let tx = tile % bins.tilesX, ty = tile / bins.tilesX
                        let x0 = tx * s, y0 = ty * s
                        let cols = min(s, width - x0), rows = min(s, height - y0)
                        gTile.initialize(repeating: .zero, count: s * channels)
                        for row in 0..<rows {
                            let line = gradBase + ((y0 + row) * width + x0) * channels
                            for ch in 0..<channels {
                                var values = SIMD16<Float>.zero
                                for col in 0..<cols { values[col] = line[col * channels + ch] }
                                gTile[ch * s + row] = values
                            }
                        }
                        let xs = laneCentres + Float(x0)
                        for k in start[tile]..<start[tile + 1] {
                            let i = Int(indices[k])
                            let mx = means[2 * i], my = means[2 * i + 1]
                            let l11 = chol[3 * i], l21 = chol[3 * i + 1], l22 = chol[3 * i + 2]
                            let r0 = max(y0, Int(boxes[4 * i + 2])), r1 = min(y0 + rows, Int(boxes[4 * i + 3]))
                            let dx = xs - mx
                            let ux = l11 * dx
                            var sumGu = SIMD16<Float>.zero, sumGv = SIMD16<Float>.zero
                            var sumGuDx = SIMD16<Float>.zero, sumGuDy = SIMD16<Float>.zero
                            var sumGvDy = SIMD16<Float>.zero
                            colorSums.initialize(repeating: .zero, count: channels)
                            for r in r0..<r1 {
                                let dy = Float(r) + 0.5 - my
                                let v = l22 * dy
                                let u = ux + l21 * dy
                                let q = u * u + v * v
                                var w = vectorExp(q * -0.5)
                                w.replace(with: 0, where: .!(q .<= c2))
                                let row = r - y0
                                let dLdw: SIMD16<Float>
                                if channels == 3 {
                                    let g0 = gTile[row], g1 = gTile[s + row], g2 = gTile[2 * s + row]
                                    dLdw = colors[3 * i] * g0 + colors[3 * i + 1] * g1 + colors[3 * i + 2] * g2
                                    colorSums[0] += w * g0
                                    colorSums[1] += w * g1
                                    colorSums[2] += w * g2
                                } else {
                                    let g0 = gTile[row]
                                    dLdw = colors[i] * g0
                                    colorSums[0] += w * g0
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
                            let su = sumGu.sum(), sv = sumGv.sum()
                            let slot = slotBase + k * stride
                            slot[0] = -l11 * su
                            slot[1] = -(l21 * su + l22 * sv)
                            slot[2] = sumGuDx.sum()
                            slot[3] = sumGuDy.sum()
                            slot[4] = sumGvDy.sum()
                            for ch in 0..<channels { slot[pairHeader + ch] = colorSums[ch].sum() }
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

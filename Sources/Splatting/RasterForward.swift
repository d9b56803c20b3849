import Autograd

/// The pixel centres of one tile row, relative to the tile's left edge: 0.5, 1.5, …, 15.5.
let laneCentres = SIMD16<Float>(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5,
                                8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5)

/// Renders the binned Gaussians: image[r, c, :] = Σᵢ colorᵢ · wᵢ over the Gaussians of the
/// pixel's tile with u² + v² ≤ cutoff², w = exp(−½(u² + v²)).
///
/// Tiles are shared among the workers in ranges of about equal work; each tile accumulates
/// its 16×16 pixels in registers-sized rows (one `SIMD16<Float>` per tile row and channel)
/// and writes them once. Each pixel sums its Gaussians in ascending order, so the image is
/// the same bit for bit whatever the number of threads.
///
/// - Returns: [H, W, C].
func rasterizeForward(_ g: ProjectedGaussians, bins: TileBins, height: Int, width: Int,
                      cutoff: Float) -> [Float] {
    let channels = g.channels
    var image = [Float](repeating: 0, count: height * width * channels)
    guard bins.pairCount > 0 else { return image }
    let ranges = bins.balancedRanges(parts: Parallelism.threads)
    let c2 = cutoff * cutoff
    let s = TileBins.tileSize
    image.withUnsafeMutableBufferPointer { out in
        g.means.withUnsafeBufferPointer { means in
        g.chol.withUnsafeBufferPointer { chol in
        g.colors.withUnsafeBufferPointer { colors in
        g.boxes.withUnsafeBufferPointer { boxes in
        bins.start.withUnsafeBufferPointer { start in
        bins.indices.withUnsafeBufferPointer { indices in
            let outBase = out.baseAddress!
            Parallelism.forEachChunk(ranges.count) { parts in
                let acc = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: s * channels)
                defer { acc.deallocate() }
                for part in parts {
                    for tile in ranges[part] {
                        let tx = tile % bins.tilesX, ty = tile / bins.tilesX
                        let x0 = tx * s, y0 = ty * s
                        let cols = min(s, width - x0), rows = min(s, height - y0)
                        acc.initialize(repeating: .zero, count: s * channels)
                        let xs = laneCentres + Float(x0)
                        for k in start[tile]..<start[tile + 1] {
                            let i = Int(indices[k])
                            let mx = means[2 * i], my = means[2 * i + 1]
                            let l11 = chol[3 * i], l21 = chol[3 * i + 1], l22 = chol[3 * i + 2]
                            let r0 = max(y0, Int(boxes[4 * i + 2])), r1 = min(y0 + rows, Int(boxes[4 * i + 3]))
                            let ux = l11 * (xs - mx)
                            for r in r0..<r1 {
                                let dy = Float(r) + 0.5 - my
                                let v = l22 * dy
                                let u = ux + l21 * dy
                                let q = u * u + v * v
                                var w = vectorExp(q * -0.5)
                                w.replace(with: 0, where: .!(q .<= c2))
                                let row = r - y0
                                if channels == 3 {
                                    acc[row] += colors[3 * i] * w
                                    acc[s + row] += colors[3 * i + 1] * w
                                    acc[2 * s + row] += colors[3 * i + 2] * w
                                } else {
                                    acc[row] += colors[i] * w
                                }
                            }
                        }
                        for row in 0..<rows {
                            let line = outBase + ((y0 + row) * width + x0) * channels
                            for ch in 0..<channels {
                                let values = acc[ch * s + row]
                                for col in 0..<cols { line[col * channels + ch] = values[col] }
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
    return image
}

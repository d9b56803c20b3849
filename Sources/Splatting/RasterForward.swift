import Autograd

/// Pixel centres of the lanes of a row segment, relative to the segment's left edge.
let laneCentres: Lanes = {
    var x = Lanes()
    for j in 0..<Lanes.scalarCount { x[j] = Float(j) + 0.5 }
    return x
}()

/// Row segments per tile row.
let segmentsPerRow = TileBins.tileSize / Lanes.scalarCount

/// Renders the binned Gaussians: image[r, c, :] = Σᵢ colorᵢ · wᵢ over the Gaussians of the
/// pixel's tile with u² + v² ≤ cutoff², w = exp(−½(u² + v²)).
///
/// Tiles are shared among the workers in ranges of about equal work. A tile accumulates its
/// 16×16 pixels in a planar buffer ([C][16 rows][16 columns]); each tile row is processed in
/// segments of `Lanes` pixels, and a Gaussian skips the segments its cutoff ellipse misses.
/// Each pixel sums its Gaussians in ascending order, so the image is the same bit for bit
/// whatever the number of threads.
///
/// - Returns: [H, W, C].
func rasterizeForward(_ g: ProjectedGaussians, bins: TileBins, height: Int, width: Int,
                      cutoff: Float) -> [Float] {
    let channels = g.channels
    var image = [Float](repeating: 0, count: height * width * channels)
    guard bins.pairCount > 0 else { return image }
    let ranges = bins.balancedRanges(parts: Parallelism.threads)
    let c2 = cutoff * cutoff
    let s = TileBins.tileSize, lanes = Lanes.scalarCount
    image.withUnsafeMutableBufferPointer { out in
        g.means.withUnsafeBufferPointer { means in
        g.chol.withUnsafeBufferPointer { chol in
        g.colors.withUnsafeBufferPointer { colors in
        g.boxes.withUnsafeBufferPointer { boxes in
        bins.start.withUnsafeBufferPointer { start in
        bins.indices.withUnsafeBufferPointer { indices in
            let outBase = out.baseAddress!
            Parallelism.forEachChunk(ranges.count) { parts in
                // acc[(ch·16 + row)·segmentsPerRow + segment]
                let acc = UnsafeMutablePointer<Lanes>.allocate(capacity: s * segmentsPerRow * channels)
                defer { acc.deallocate() }
                for part in parts {
                    for tile in ranges[part] {
                        guard start[tile] < start[tile + 1] else { continue }   // stays black
                        let tx = tile % bins.tilesX, ty = tile / bins.tilesX
                        let x0 = tx * s, y0 = ty * s
                        let cols = min(s, width - x0), rows = min(s, height - y0)
                        let segments = (cols + lanes - 1) / lanes
                        acc.initialize(repeating: .zero, count: s * segmentsPerRow * channels)
                        for k in start[tile]..<start[tile + 1] {
                            let i = Int(indices[k])
                            let mx = means[2 * i], my = means[2 * i + 1]
                            let l11 = chol[3 * i], l21 = chol[3 * i + 1], l22 = chol[3 * i + 2]
                            let r0 = max(y0, Int(boxes[4 * i + 2])), r1 = min(y0 + rows, Int(boxes[4 * i + 3]))
                            for segment in 0..<segments {
                                let left = x0 + segment * lanes
                                let ux = l11 * (laneCentres + Float(left) - mx)
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
                                    if channels == 3 {
                                        let plane = s * segmentsPerRow
                                        acc[at] += colors[3 * i] * w
                                        acc[plane + at] += colors[3 * i + 1] * w
                                        acc[2 * plane + at] += colors[3 * i + 2] * w
                                    } else {
                                        acc[at] += colors[i] * w
                                    }
                                }
                            }
                        }
                        acc.withMemoryRebound(to: Float.self, capacity: s * s * channels) { accScalars in
                            for row in 0..<rows {
                                let line = outBase + ((y0 + row) * width + x0) * channels
                                for ch in 0..<channels {
                                    let lane = accScalars + (ch * s + row) * s
                                    for col in 0..<cols { line[col * channels + ch] = lane[col] }
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
    return image
}

/// The range of l11·dx over the pixel columns left..<right (dx = column centre − mx).
@inline(__always)
func segmentRange(l11: Float, mx: Float, left: Int, right: Int) -> (low: Float, high: Float) {
    let first = l11 * (Float(left) + 0.5 - mx), last = l11 * (Float(right) - 0.5 - mx)
    return (min(first, last), max(first, last))
}

/// Whether any pixel of a row segment can lie inside the cutoff: u = ux + uShift with ux
/// between `uxLow` and `uxHigh` across the segment's pixels (u is linear in x), and the
/// segment is hit when some u has u² ≤ cutoff² − v². Slightly generous (the per-pixel test
/// decides), so that rounding never drops a segment that holds a pixel inside. Forward and
/// backward skip exactly the same segments.
@inline(__always)
func rowMayHit(v: Float, uShift: Float, uxLow: Float, uxHigh: Float, c2: Float) -> Bool {
    let room = c2 - v * v
    guard room >= 0 else { return false }
    let reach = room.squareRoot() * 1.0001 + 1e-4
    return uxLow + uShift <= reach && uxHigh + uShift >= -reach
}

/// The Gaussian–pixel pairs `rasterizeForward` evaluates (and `rasterizeBackward` revisits):
/// for every row segment it does not skip, the segment's pixels inside the image.
func evaluatedPairCount(_ g: ProjectedGaussians, bins: TileBins, height: Int, width: Int, cutoff: Float) -> Int {
    let c2 = cutoff * cutoff
    let s = TileBins.tileSize, lanes = Lanes.scalarCount
    var pairs = 0
    for tile in 0..<bins.tileCount where bins.start[tile] < bins.start[tile + 1] {
        let x0 = (tile % bins.tilesX) * s, y0 = (tile / bins.tilesX) * s
        let cols = min(s, width - x0), rows = min(s, height - y0)
        for k in bins.start[tile]..<bins.start[tile + 1] {
            let i = Int(bins.indices[k])
            let mx = g.means[2 * i], my = g.means[2 * i + 1]
            let l11 = g.chol[3 * i], l21 = g.chol[3 * i + 1], l22 = g.chol[3 * i + 2]
            let r0 = max(y0, Int(g.boxes[4 * i + 2])), r1 = min(y0 + rows, Int(g.boxes[4 * i + 3]))
            for left in stride(from: x0, to: x0 + cols, by: lanes) {
                let right = min(left + lanes, x0 + cols)
                let (uxLow, uxHigh) = segmentRange(l11: l11, mx: mx, left: left, right: right)
                for r in r0..<r1 {
                    let dy = Float(r) + 0.5 - my
                    if rowMayHit(v: l22 * dy, uShift: l21 * dy, uxLow: uxLow, uxHigh: uxHigh, c2: c2) {
                        pairs += right - left
                    }
                }
            }
        }
    }
    return pairs
}

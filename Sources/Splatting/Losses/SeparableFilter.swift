import Autograd

// The engine behind every blur in this folder: a 1-D correlation along the width and then
// along the height of an [H, W, C] image, and its adjoint, on contiguous buffers.
//
// Along one axis of length n the filter is an n×n matrix M,
//   (M x)[i] = Σ_u taps[u] · x[fold(i − r + u)],   u = 0 … 2r,
// where `fold` maps an index outside 0..<n back inside (reflect) or drops the term (zero).
// Most rows of M are the plain band (taps at columns i − r … i + r); only rows near the
// edges differ, and every row is also stored as a short (column, weight) list. Per channel
// the 2-D blur is M_H · X · M_Wᵀ and its adjoint M_Hᵀ · G · M_W, so the backward pass is the
// same code run with the transposed matrices (whose band is the reversed taps).

/// One axis of a separable filter: an n×n matrix with a band of 2r+1 weights.
struct AxisFilter {
    /// n, the extent of the axis.
    let length: Int
    /// r: band rows take `band[u]` times input `i − r + u`.
    let radius: Int
    /// The band weights [2r+1].
    let band: [Float]
    /// Rows that are exactly the band (handled by the vectorised path).
    let interior: Range<Int>
    /// Every row as (column, weight) entries in compressed-row form: row i holds
    /// `columns[rowStart[i] ..< rowStart[i+1]]` (columns distinct, weights summed).
    let rowStart: [Int]  // [n + 1]
    let columns: [Int]
    let weights: [Float]

    /// The filter matrix for correlation with `taps` (odd count) along an axis of `length`.
    init(taps: [Float], length: Int, boundary: BlurBoundary) {
        let r = (taps.count - 1) / 2
        var rows = [[(column: Int, weight: Float)]](repeating: [], count: length)
        for i in 0..<length {
            for (u, w) in taps.enumerated() {
                guard let s = AxisFilter.fold(i - r + u, length: length, boundary: boundary) else { continue }
                if let k = rows[i].firstIndex(where: { $0.column == s }) {
                    rows[i][k].weight += w
                } else {
                    rows[i].append((s, w))
                }
            }
        }
        self.init(rows: rows, band: taps, length: length)
    }

    private init(rows: [[(column: Int, weight: Float)]], band: [Float], length: Int) {
        let r = (band.count - 1) / 2
        var rowStart = [0], columns = [Int](), weights = [Float]()
        var isBand = [Bool](repeating: false, count: length)
        for (i, row) in rows.enumerated() {
            let sorted = row.sorted { $0.column < $1.column }
            columns += sorted.map(\.column)
            weights += sorted.map(\.weight)
            rowStart.append(columns.count)
            isBand[i] = sorted.count == band.count
                && sorted.indices.allSatisfy { u in sorted[u].column == i - r + u && sorted[u].weight == band[u] }
        }
        // The first contiguous run of band rows; any other band row simply uses its list.
        let lo = isBand.firstIndex(of: true) ?? length
        var hi = lo
        while hi < length && isBand[hi] { hi += 1 }
        self.length = length
        self.radius = r
        self.band = band
        self.interior = lo..<hi
        self.rowStart = rowStart
        self.columns = columns
        self.weights = weights
    }

    /// Mᵀ: column lists become row lists, and the band is read backwards.
    func transposed() -> AxisFilter {
        var rows = [[(column: Int, weight: Float)]](repeating: [], count: length)
        for i in 0..<length {
            for k in rowStart[i]..<rowStart[i + 1] { rows[columns[k]].append((i, weights[k])) }
        }
        return AxisFilter(rows: rows, band: band.reversed(), length: length)
    }

    /// Where index `p` of the infinitely extended axis reads from: `reflect` is the
    /// symmetric extension (d c b a | a b c d | d c b a, period 2n); `zero` has nothing.
    static func fold(_ p: Int, length n: Int, boundary: BlurBoundary) -> Int? {
        if p >= 0 && p < n { return p }
        switch boundary {
        case .zero:
            return nil
        case .reflect:
            let period = 2 * n
            let q = ((p % period) + period) % period
            return q < n ? q : period - 1 - q
        }
    }
}

/// A separable filter on [H, W, C] images of one size: `alongHeight` mixes rows,
/// `alongWidth` mixes columns, every channel alike.
struct ImageFilter {
    let alongHeight: AxisFilter
    let alongWidth: AxisFilter

    /// Correlation with `taps` ⊗ `taps` for images of `height` × `width`.
    init(taps: [Float], boundary: BlurBoundary, height: Int, width: Int) {
        alongHeight = AxisFilter(taps: taps, length: height, boundary: boundary)
        alongWidth = AxisFilter(taps: taps, length: width, boundary: boundary)
    }

    private init(alongHeight: AxisFilter, alongWidth: AxisFilter) {
        self.alongHeight = alongHeight
        self.alongWidth = alongWidth
    }

    /// The adjoint filter (what the backward pass applies).
    func transposed() -> ImageFilter {
        ImageFilter(alongHeight: alongHeight.transposed(), alongWidth: alongWidth.transposed())
    }

    /// Filters `x` ([H, W, C], row-major) and returns the result in the same layout.
    func apply(_ x: [Float], channels: Int) -> [Float] {
        let height = alongHeight.length, width = alongWidth.length
        precondition(x.count == height * width * channels, "ImageFilter: \(x.count) values for [\(height), \(width), \(channels)]")
        var across = [Float](repeating: 0, count: x.count)
        var result = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { src in
            across.withUnsafeMutableBufferPointer { mid in
                filterRows(src.baseAddress!, mid.baseAddress!, height: height, width: width, channels: channels)
            }
        }
        across.withUnsafeBufferPointer { mid in
            result.withUnsafeMutableBufferPointer { dst in
                filterColumns(mid.baseAddress!, dst.baseAddress!, height: height, rowLength: width * channels)
            }
        }
        return result
    }

    /// Each image row through `alongWidth` (pixels are blocks of `channels` values).
    private func filterRows(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                            height: Int, width: Int, channels: Int) {
        let f = alongWidth, r = f.radius, rowLength = width * channels, taps = f.band.count
        withRowLists(f) { band, start, column, weight in
            let lo = f.interior.lowerBound, hi = f.interior.upperBound
            Parallelism.forEachChunk(height, minChunk: max(1, 8192 / max(rowLength, 1))) { rows in
                for h in rows {
                    let s = src + h * rowLength, d = dst + h * rowLength
                    // Band columns: a few long contiguous loops over the whole run.
                    if lo < hi {
                        let first = s + lo * channels
                        weightedSum(into: d + lo * channels, count: (hi - lo) * channels, terms: taps,
                                    weight: { band[$0] }, source: { first + ($0 - r) * channels })
                    }
                    // Edge columns from their entry lists.
                    for i in 0..<width where i < lo || i >= hi {
                        let k0 = start[i]
                        weightedSum(into: d + i * channels, count: channels, terms: start[i + 1] - k0,
                                    weight: { weight[k0 + $0] }, source: { s + column[k0 + $0] * channels })
                    }
                }
            }
        }
    }

    /// Whole rows (of `rowLength` values) mixed through `alongHeight`.
    private func filterColumns(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                               height: Int, rowLength: Int) {
        let f = alongHeight, r = f.radius, taps = f.band.count
        withRowLists(f) { band, start, column, weight in
            Parallelism.forEachChunk(height, minChunk: max(1, 8192 / max(rowLength, 1))) { rows in
                for i in rows {
                    let d = dst + i * rowLength
                    if f.interior.contains(i) {
                        weightedSum(into: d, count: rowLength, terms: taps,
                                    weight: { band[$0] }, source: { src + (i - r + $0) * rowLength })
                    } else {
                        let k0 = start[i]
                        weightedSum(into: d, count: rowLength, terms: start[i + 1] - k0,
                                    weight: { weight[k0 + $0] }, source: { src + column[k0 + $0] * rowLength })
                    }
                }
            }
        }
    }

    /// The filter's arrays as raw pointers for the duration of `body`.
    private func withRowLists(_ f: AxisFilter, _ body: (UnsafePointer<Float>, UnsafePointer<Int>, UnsafePointer<Int>,
                                                        UnsafePointer<Float>) -> Void) {
        f.band.withUnsafeBufferPointer { band in
            f.rowStart.withUnsafeBufferPointer { start in
                f.columns.withUnsafeBufferPointer { column in
                    f.weights.withUnsafeBufferPointer { weight in
                        // Every row has at least one entry (its own index), so no buffer is empty.
                        body(band.baseAddress!, start.baseAddress!, column.baseAddress!, weight.baseAddress!)
                    }
                }
            }
        }
    }
}

/// d[j] = Σₜ weight(t) · source(t)[j] for j < count and t < terms (terms ≥ 1).
///
/// Up to four terms per sweep over `d` (one store per element per four multiply-adds,
/// instead of one per term).
@inline(__always)
private func weightedSum(into d: UnsafeMutablePointer<Float>, count: Int, terms: Int,
                         weight: (Int) -> Float, source: (Int) -> UnsafePointer<Float>) {
    var t = 0
    while t < terms {
        let first = t == 0
        let s0 = source(t), w0 = weight(t)
        switch terms - t {
        case 1:
            if first { for j in 0..<count { d[j] = w0 * s0[j] } } else { for j in 0..<count { d[j] += w0 * s0[j] } }
        case 2:
            let s1 = source(t + 1), w1 = weight(t + 1)
            if first {
                for j in 0..<count { d[j] = w0 * s0[j] + w1 * s1[j] }
            } else {
                for j in 0..<count { d[j] += w0 * s0[j] + w1 * s1[j] }
            }
        case 3:
            let s1 = source(t + 1), w1 = weight(t + 1), s2 = source(t + 2), w2 = weight(t + 2)
            if first {
                for j in 0..<count { d[j] = w0 * s0[j] + w1 * s1[j] + w2 * s2[j] }
            } else {
                for j in 0..<count { d[j] += w0 * s0[j] + w1 * s1[j] + w2 * s2[j] }
            }
        default:
            let s1 = source(t + 1), w1 = weight(t + 1), s2 = source(t + 2), w2 = weight(t + 2)
            let s3 = source(t + 3), w3 = weight(t + 3)
            if first {
                for j in 0..<count { d[j] = w0 * s0[j] + w1 * s1[j] + w2 * s2[j] + w3 * s3[j] }
            } else {
                for j in 0..<count { d[j] += w0 * s0[j] + w1 * s1[j] + w2 * s2[j] + w3 * s3[j] }
            }
        }
        t += 4
    }
}

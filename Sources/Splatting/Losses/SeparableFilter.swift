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
        let f = alongWidth, r = f.radius, rowLength = width * channels
        f.band.withUnsafeBufferPointer { bandBuffer in
            f.rowStart.withUnsafeBufferPointer { startBuffer in
                f.columns.withUnsafeBufferPointer { columnBuffer in
                    f.weights.withUnsafeBufferPointer { weightBuffer in
                        let band = bandBuffer.baseAddress!, start = startBuffer.baseAddress!
                        let column = columnBuffer.baseAddress!, weight = weightBuffer.baseAddress!
                        let lo = f.interior.lowerBound * channels, hi = f.interior.upperBound * channels
                        Parallelism.forEachChunk(height, minChunk: max(1, 8192 / max(rowLength, 1))) { rows in
                            for h in rows {
                                let s = src + h * rowLength, d = dst + h * rowLength
                                // Band columns: one long contiguous loop per tap.
                                if lo < hi {
                                    let w0 = band[0], o0 = -r * channels
                                    for j in lo..<hi { d[j] = w0 * s[j + o0] }
                                    var u = 1
                                    while u <= 2 * r {
                                        let w = band[u], o = (u - r) * channels
                                        for j in lo..<hi { d[j] += w * s[j + o] }
                                        u += 1
                                    }
                                }
                                // Edge columns from their entry lists.
                                for i in 0..<width where i < f.interior.lowerBound || i >= f.interior.upperBound {
                                    let out = d + i * channels
                                    for c in 0..<channels { out[c] = 0 }
                                    for k in start[i]..<start[i + 1] {
                                        let w = weight[k], input = s + column[k] * channels
                                        for c in 0..<channels { out[c] += w * input[c] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whole rows (of `rowLength` values) mixed through `alongHeight`.
    private func filterColumns(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                               height: Int, rowLength: Int) {
        let f = alongHeight, r = f.radius
        f.band.withUnsafeBufferPointer { bandBuffer in
            f.rowStart.withUnsafeBufferPointer { startBuffer in
                f.columns.withUnsafeBufferPointer { columnBuffer in
                    f.weights.withUnsafeBufferPointer { weightBuffer in
                        let band = bandBuffer.baseAddress!, start = startBuffer.baseAddress!
                        let column = columnBuffer.baseAddress!, weight = weightBuffer.baseAddress!
                        Parallelism.forEachChunk(height, minChunk: max(1, 8192 / max(rowLength, 1))) { rows in
                            for i in rows {
                                let d = dst + i * rowLength
                                if f.interior.contains(i) {
                                    let w0 = band[0], s0 = src + (i - r) * rowLength
                                    for j in 0..<rowLength { d[j] = w0 * s0[j] }
                                    var u = 1
                                    while u <= 2 * r {
                                        let w = band[u], s = src + (i - r + u) * rowLength
                                        for j in 0..<rowLength { d[j] += w * s[j] }
                                        u += 1
                                    }
                                } else {
                                    for j in 0..<rowLength { d[j] = 0 }
                                    for k in start[i]..<start[i + 1] {
                                        let w = weight[k], s = src + column[k] * rowLength
                                        for j in 0..<rowLength { d[j] += w * s[j] }
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

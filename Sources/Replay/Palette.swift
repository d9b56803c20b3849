import Imaging

/// A colour with 8-bit sRGB components, as a GIF palette stores it.
public struct RGB8: Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(r: UInt8, g: UInt8, b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// `0xRRGGBB`.
    var packed: UInt32 { UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b) }

    init(packed: UInt32) {
        self.init(r: UInt8(packed >> 16 & 0xFF), g: UInt8(packed >> 8 & 0xFF), b: UInt8(packed & 0xFF))
    }
}

/// An image's samples as 8-bit RGB bytes, `[height, width, 3]`: clamped to [0, 1] and rounded
/// to the nearest of 256 levels, as `PNG.write` stores them (NaN becomes 0).
func rgbBytes(of image: Image) -> [UInt8] { // [height, width, 3]
    let source = image.rgb()
    var bytes = [UInt8](repeating: 0, count: source.pixels.count)
    source.pixels.withUnsafeBufferPointer { src in
        bytes.withUnsafeMutableBufferPointer { dst in
            for i in 0..<src.count {
                let v = src[i]
                dst[i] = v.isNaN ? 0 : UInt8((min(max(v, 0), 1) * 255).rounded())
            }
        }
    }
    return bytes
}

/// A global palette of at most 256 colours for every frame of an animation (one palette, so
/// frames do not flicker), built from colour samples of all frames.
///
/// Two stages:
/// 1. *Exact colours.* Colours that cover a noticeable share of the samples (backgrounds, text,
///    gridlines, chart lines, flat kernel blocks) get an entry of their own, so flat parts of a
///    frame come out exact.
/// 2. *Median cut* (Heckbert 1982) over the remaining samples: start with one box holding them
///    all; repeatedly split the box with the largest total squared error (weight × variance,
///    summed over channels) at the weighted median of its widest channel; each box's weighted
///    mean becomes an entry. Two Lloyd (k-means) passes then move each entry to the mean of the
///    samples nearest to it.
public struct Palette: Equatable, Sendable {
    /// The entries, at most 256.
    public let colors: [RGB8]

    public init(colors: [RGB8]) {
        self.colors = colors
    }

    /// Builds a palette from samples.
    /// - Parameters:
    ///   - samples: `[n, 3]` 8-bit RGB samples (e.g. from `PaletteSampler`).
    ///   - size: the most entries, 2 to 256.
    ///   - exactShare: a colour covering at least this fraction of the samples gets its own entry…
    ///   - maxExact: …for at most this many colours (most frequent first).
    /// - Returns: every distinct colour when there are at most `size`; otherwise `size` entries
    ///   (fewer only when the samples hold fewer distinct colours).
    public static func medianCut(samples: [UInt8], size: Int = 256, exactShare: Double = 0.0005,
                                 maxExact: Int = 96) -> Palette { // samples: [n, 3]
        let size = min(max(size, 2), 256)
        var histogram: [UInt32: Int] = [:]
        var i = 0
        while i + 2 < samples.count {
            histogram[UInt32(samples[i]) << 16 | UInt32(samples[i + 1]) << 8 | UInt32(samples[i + 2]), default: 0] += 1
            i += 3
        }
        guard !histogram.isEmpty else { return Palette(colors: [RGB8(r: 0, g: 0, b: 0)]) }
        // Most frequent first; ties by colour, so the palette does not depend on hashing order.
        let distinct = histogram.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        if distinct.count <= size { return Palette(colors: distinct.map { RGB8(packed: $0.key) }) }

        let total = samples.count / 3
        let threshold = max(2, Int((Double(total) * exactShare).rounded(.up)))
        let exactCount = min(maxExact, size / 2, distinct.prefix { $0.value >= threshold }.count)
        let exact = distinct.prefix(exactCount).map { RGB8(packed: $0.key) }
        let rest = ColorSet(distinct.dropFirst(exactCount))
        var cut = rest.medianCut(boxes: size - exactCount)
        for _ in 0..<2 { cut = rest.lloydStep(free: cut, fixed: exact) }
        return Palette(colors: exact + cut)
    }
}

/// Distinct colours with their weights, as parallel arrays (the median cut's working set).
private struct ColorSet {
    var r: [Int32], g: [Int32], b: [Int32], w: [Int32]

    init<S: Sequence>(_ colors: S) where S.Element == (key: UInt32, value: Int) {
        r = []; g = []; b = []; w = []
        for (color, weight) in colors {
            r.append(Int32(color >> 16 & 0xFF))
            g.append(Int32(color >> 8 & 0xFF))
            b.append(Int32(color & 0xFF))
            w.append(Int32(min(weight, Int(Int32.max))))
        }
    }

    /// One box of the cut: a range of `order`, with its weighted moments.
    private struct Box {
        var range: Range<Int>
        var error: Double
        var widest: Int  // channel of largest variance, 0 = r, 1 = g, 2 = b
        var mean: RGB8
    }

    private func box(_ range: Range<Int>, _ order: [Int]) -> Box {
        var (sr, sg, sb, qr, qg, qb, weight) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        for k in range {
            let j = order[k], wj = Double(w[j])
            let (cr, cg, cb) = (Double(r[j]), Double(g[j]), Double(b[j]))
            sr += wj * cr; sg += wj * cg; sb += wj * cb
            qr += wj * cr * cr; qg += wj * cg * cg; qb += wj * cb * cb
            weight += wj
        }
        let (mr, mg, mb) = (sr / weight, sg / weight, sb / weight)
        let variance = [max(0, qr / weight - mr * mr), max(0, qg / weight - mg * mg), max(0, qb / weight - mb * mb)]
        let widest = variance.indices.max { variance[$0] < variance[$1] }!
        let mean = RGB8(r: UInt8(mr.rounded()), g: UInt8(mg.rounded()), b: UInt8(mb.rounded()))
        return Box(range: range, error: range.count > 1 ? weight * variance.reduce(0, +) : 0, widest: widest, mean: mean)
    }

    /// Splits the colours into at most `boxes` boxes and returns their weighted means.
    func medianCut(boxes target: Int) -> [RGB8] {
        var order = Array(r.indices)
        var boxes = [box(0..<order.count, order)]
        while boxes.count < target {
            guard let worst = boxes.indices.max(by: { boxes[$0].error < boxes[$1].error }), boxes[worst].error > 0 else { break }
            let current = boxes[worst], channel = current.widest == 0 ? r : (current.widest == 1 ? g : b)
            let sorted = order[current.range].sorted { (channel[$0], $0) < (channel[$1], $1) }
            order.replaceSubrange(current.range, with: sorted)
            // The weighted median, kept strictly inside the range so both halves hold colours.
            let half = sorted.reduce(0) { $0 + Int(w[$1]) } / 2
            var running = 0, split = current.range.lowerBound + 1
            for (offset, j) in sorted.enumerated() {
                running += Int(w[j])
                if running >= half { split = current.range.lowerBound + offset + 1; break }
            }
            split = min(max(split, current.range.lowerBound + 1), current.range.upperBound - 1)
            boxes[worst] = box(current.range.lowerBound..<split, order)
            boxes.append(box(split..<current.range.upperBound, order))
        }
        return boxes.map(\.mean)
    }

    /// One k-means step: each colour goes to its nearest entry of `free + fixed`; each free
    /// entry moves to the weighted mean of its colours (entries that won none stay put).
    func lloydStep(free: [RGB8], fixed: [RGB8]) -> [RGB8] {
        let mapper = PaletteMapper(palette: Palette(colors: free + fixed))
        var sums = [Double](repeating: 0, count: free.count * 4)
        for j in r.indices {
            let index = Int(mapper.nearest(r: r[j], g: g[j], b: b[j]))
            guard index < free.count else { continue }
            let wj = Double(w[j])
            sums[4 * index] += wj * Double(r[j])
            sums[4 * index + 1] += wj * Double(g[j])
            sums[4 * index + 2] += wj * Double(b[j])
            sums[4 * index + 3] += wj
        }
        return free.indices.map { k in
            let weight = sums[4 * k + 3]
            guard weight > 0 else { return free[k] }
            return RGB8(r: UInt8((sums[4 * k] / weight).rounded()), g: UInt8((sums[4 * k + 1] / weight).rounded()),
                        b: UInt8((sums[4 * k + 2] / weight).rounded()))
        }
    }
}

/// Collects colour samples from many frames for one shared palette: every pixel of small
/// frames, an evenly spread subset of large ones, so the total stays near `budget`.
public struct PaletteSampler: Sendable {
    /// `[n, 3]` 8-bit RGB.
    public private(set) var samples: [UInt8] = []
    /// The pixels to keep per frame.
    public let perFrame: Int

    /// - Parameters:
    ///   - frameCount: how many frames will be added.
    ///   - budget: the total number of samples wanted.
    public init(frameCount: Int, budget: Int = 400_000) {
        perFrame = max(1, budget / max(1, frameCount))
    }

    /// Adds samples of `bytes` (`[pixels, 3]`), spreading them with a stride that is prime
    /// to the usual image widths so that they do not line up in columns.
    public mutating func add(rgbBytes bytes: [UInt8]) {
        let pixels = bytes.count / 3
        guard pixels > 0 else { return }
        var stride = max(1, pixels / perFrame)
        if stride > 1 && stride % 2 == 0 { stride += 1 }
        var p = 0
        while p < pixels {
            samples.append(bytes[3 * p]); samples.append(bytes[3 * p + 1]); samples.append(bytes[3 * p + 2])
            p += stride
        }
    }

    /// Adds samples of an image.
    public mutating func add(_ image: Image) {
        add(rgbBytes: rgbBytes(of: image))
    }
}

/// How `Image.resized` computes each output pixel.
public enum ResizeFilter: Sendable {
    /// Area averaging when an axis shrinks, bilinear when it grows, a copy when it keeps its size.
    case automatic
    /// Box filter with fractional coverage: each output pixel is the mean of the
    /// input area it covers (partially covered input pixels count by their covered fraction).
    case area
    /// Linear interpolation between the two nearest pixel centres (OpenCV's
    /// INTER_LINEAR, PyTorch's align_corners = false); aliases when shrinking a lot.
    case bilinear
    /// Keys' cubic convolution (a = −0.5, as OpenCV and PIL); sharper than
    /// bilinear but may overshoot [0, 1] next to edges.
    case bicubic
    /// The input pixel whose centre is nearest.
    case nearest
}

extension Image {
    /// This image resampled to `width` × `height` with `filter`, each axis
    /// separately (rows first, then columns). Edge pixels are repeated beyond the border.
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResizeFilter = .automatic) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "Cannot resize to \(newWidth)×\(newHeight): both sides must be positive.")
        precondition(width > 0 && height > 0, "Cannot resize an empty \(width)×\(height) image.")
        if newWidth == width && newHeight == height { return self } // every filter is the identity here
        let horizontal = AxisWeights(from: width, to: newWidth, filter: filter)
        let vertical = AxisWeights(from: height, to: newHeight, filter: filter)
        let c = channels

        // Rows first: [height, newWidth, c].
        var rows = [Float](repeating: 0, count: height * newWidth * c)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let srcRow = y * width * c, dstRow = y * newWidth * c
                    for j in 0..<newWidth {
                        let first = horizontal.first[j], offset = horizontal.offset[j]
                        for k in 0..<horizontal.count[j] {
                            let w = horizontal.weights[offset + k], s = srcRow + (first + k) * c
                            for ch in 0..<c { dst[dstRow + j * c + ch] += w * src[s + ch] }
                        }
                    }
                }
            }
        }
        // Then columns: each output row is a weighted sum of whole input rows.
        var out = [Float](repeating: 0, count: newHeight * newWidth * c)
        let rowLength = newWidth * c
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<newHeight {
                    let first = vertical.first[i], offset = vertical.offset[i]
                    for k in 0..<vertical.count[i] {
                        let w = vertical.weights[offset + k], s = (first + k) * rowLength
                        for e in 0..<rowLength { dst[i * rowLength + e] += w * src[s + e] }
                    }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: c, pixels: out)
    }

    /// Each pixel repeated as a `factor` × `factor` block (nearest-neighbour
    /// upscaling by an integer, so small kernels stay crisp).
    public func upscaled(by factor: Int) -> Image {
        precondition(factor >= 1, "The upscaling factor must be at least 1, got \(factor).")
        if factor == 1 { return self }
        let c = channels, newWidth = width * factor
        var out = [Float](repeating: 0, count: width * height * c * factor * factor)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let firstRow = y * factor * newWidth * c
                    for x in 0..<width {
                        for f in 0..<factor {
                            for ch in 0..<c { dst[firstRow + (x * factor + f) * c + ch] = src[(y * width + x) * c + ch] }
                        }
                    }
                    for r in 1..<factor {
                        let start = firstRow + r * newWidth * c
                        for e in 0..<(newWidth * c) { dst[start + e] = dst[firstRow + e] }
                    }
                }
            }
        }
        return Image(width: newWidth, height: height * factor, channels: c, pixels: out)
    }
}

/// For one axis, the input pixels and weights behind each output pixel:
/// output j = Σₖ weights[offset[j] + k] · input[first[j] + k], k < count[j].
/// Taps that fall outside the input are folded onto the edge pixel.
struct AxisWeights {
    var first: [Int] = []
    var count: [Int] = []
    var offset: [Int] = []
    var weights: [Float] = []

    init(from inSize: Int, to outSize: Int, filter: ResizeFilter) {
        let scale = Double(inSize) / Double(outSize)
        var kind = filter
        if filter == .automatic { kind = outSize < inSize ? .area : (outSize > inSize ? .bilinear : .nearest) }
        for j in 0..<outSize {
            var taps: [(Int, Double)] = []
            switch kind {
            case .area:
                let lo = Double(j) * scale, hi = Double(j + 1) * scale
                var i = Int(lo.rounded(.down))
                while Double(i) < hi && i < inSize {
                    let overlap = min(Double(i + 1), hi) - max(Double(i), lo)
                    if overlap > 0 { taps.append((i, overlap / scale)) }
                    i += 1
                }
            case .bilinear:
                let centre = (Double(j) + 0.5) * scale - 0.5
                let i0 = Int(centre.rounded(.down)), f = centre - Double(i0)
                taps = [(i0, 1 - f), (i0 + 1, f)]
            case .bicubic:
                let centre = (Double(j) + 0.5) * scale - 0.5
                let i0 = Int(centre.rounded(.down)), f = centre - Double(i0)
                taps = (-1...2).map { (i0 + $0, AxisWeights.keys(Double($0) - f)) }
            case .nearest, .automatic:
                taps = [(min(inSize - 1, Int(((Double(j) + 0.5) * scale).rounded(.down))), 1)]
            }
            // Fold out-of-range taps onto the edges, then store one contiguous run.
            let clamped = taps.map { (min(max($0.0, 0), inSize - 1), $0.1) }
            let lo = clamped.map(\.0).min()!, hi = clamped.map(\.0).max()!
            var run = [Double](repeating: 0, count: hi - lo + 1)
            for (i, w) in clamped { run[i - lo] += w }
            first.append(lo)
            count.append(run.count)
            offset.append(weights.count)
            weights.append(contentsOf: run.map { Float($0) })
        }
    }

    /// Keys' cubic convolution kernel with a = −0.5.
    static func keys(_ x: Double) -> Double {
        let t = abs(x), a = -0.5
        if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
        if t < 2 { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
        return 0
    }
}

import Imaging

/// A rectangle of pixels: columns `x ..< x + width`, rows `y ..< y + height`.
public struct PixelRect: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// This rectangle moved by (dx, dy).
    public func offsetBy(dx: Int, dy: Int) -> PixelRect {
        PixelRect(x: x + dx, y: y + dy, width: width, height: height)
    }
}

/// Turns RGB pixels into palette indices: the nearest entry (squared RGB distance), with
/// Floyd–Steinberg error diffusion inside the regions marked smooth.
///
/// Why only there: error diffusion is what keeps a smooth gradient (a render, a heat map)
/// free of bands, but on flat areas, text and thin chart lines it only adds speckle. Pixels
/// outside the smooth regions take their nearest entry and neither receive nor pass on error.
///
/// Nearest-entry search: entries sorted by green; the search starts at the query's green
/// and walks outwards until the green distance alone exceeds the best distance found (exact).
/// Answers are cached per 24-bit colour, so flat areas cost one lookup per pixel.
public final class PaletteMapper {
    public let palette: Palette
    // Entries sorted by green, with their original indices.
    private let sortedR: [Int32], sortedG: [Int32], sortedB: [Int32]
    private let sortedIndex: [UInt8]
    /// Index + 1 of the nearest entry per 24-bit colour; 0 = not looked up yet.
    private var cache: [UInt16]

    public init(palette: Palette) {
        precondition(!palette.colors.isEmpty && palette.colors.count <= 256,
                     "A palette for GIF frames holds 1 to 256 colours, not \(palette.colors.count).")
        self.palette = palette
        let order = palette.colors.indices.sorted { (palette.colors[$0].g, $0) < (palette.colors[$1].g, $1) }
        sortedR = order.map { Int32(palette.colors[$0].r) }
        sortedG = order.map { Int32(palette.colors[$0].g) }
        sortedB = order.map { Int32(palette.colors[$0].b) }
        sortedIndex = order.map { UInt8($0) }
        cache = [UInt16](repeating: 0, count: 1 << 24)
    }

    /// The index of the entry nearest to (r, g, b), each 0…255.
    public func nearest(r: Int32, g: Int32, b: Int32) -> UInt8 {
        let key = Int(r) << 16 | Int(g) << 8 | Int(b)
        let cached = cache[key]
        if cached != 0 { return UInt8(cached - 1) }
        let found = search(r: r, g: g, b: b)
        cache[key] = UInt16(found) + 1
        return found
    }

    private func search(r: Int32, g: Int32, b: Int32) -> UInt8 {
        let count = sortedG.count
        // First entry with green ≥ g.
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sortedG[mid] < g { lo = mid + 1 } else { hi = mid }
        }
        var best = Int32.max, bestIndex = 0
        var up = lo, down = lo - 1
        while up < count || down >= 0 {
            if up < count {
                let dg = sortedG[up] - g
                if dg * dg >= best { up = count } else {
                    let dr = sortedR[up] - r, db = sortedB[up] - b
                    let d = dr * dr + dg * dg + db * db
                    if d < best { best = d; bestIndex = up }
                    up += 1
                }
            }
            if down >= 0 {
                let dg = sortedG[down] - g
                if dg * dg >= best { down = -1 } else {
                    let dr = sortedR[down] - r, db = sortedB[down] - b
                    let d = dr * dr + dg * dg + db * db
                    if d < best { best = d; bestIndex = down }
                    down -= 1
                }
            }
        }
        return sortedIndex[bestIndex]
    }

    /// Palette indices for an RGB byte image.
    /// - Parameters:
    ///   - bytes: `[height, width, 3]` 8-bit RGB.
    ///   - smooth: regions to dither (clipped to the image).
    /// - Returns: `[height, width]` indices into `palette.colors`.
    public func indices(rgbBytes bytes: [UInt8], width: Int, height: Int, smooth: [PixelRect]) -> [UInt8] { // bytes: [height, width, 3]
        precondition(bytes.count == width * height * 3, "A \(width)×\(height) RGB frame needs \(width * height * 3) bytes, got \(bytes.count).")
        var mask = [Bool](repeating: false, count: width * height)
        for rect in smooth {
            let x0 = max(rect.x, 0), x1 = min(rect.x + rect.width, width)
            let y0 = max(rect.y, 0), y1 = min(rect.y + rect.height, height)
            guard x0 < x1, y0 < y1 else { continue }
            for y in y0..<y1 { for x in x0..<x1 { mask[y * width + x] = true } }
        }
        var out = [UInt8](repeating: 0, count: width * height)
        // Error carried to this row and the next, 3 floats per pixel with one pixel of margin each side.
        var current = [Float](repeating: 0, count: (width + 2) * 3)
        var next = current
        bytes.withUnsafeBufferPointer { src in
            mask.withUnsafeBufferPointer { inside in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<height {
                        let leftToRight = y % 2 == 0 // serpentine scan, so the error does not drift one way
                        for k in 0..<width {
                            let x = leftToRight ? k : width - 1 - k
                            let p = y * width + x
                            let (r, g, b) = (Int32(src[3 * p]), Int32(src[3 * p + 1]), Int32(src[3 * p + 2]))
                            guard inside[p] else {
                                dst[p] = nearest(r: r, g: g, b: b)
                                continue
                            }
                            let e = (x + 1) * 3
                            let wanted = (min(max(Float(r) + current[e], 0), 255),
                                          min(max(Float(g) + current[e + 1], 0), 255),
                                          min(max(Float(b) + current[e + 2], 0), 255))
                            let index = nearest(r: Int32(wanted.0.rounded()), g: Int32(wanted.1.rounded()),
                                                b: Int32(wanted.2.rounded()))
                            dst[p] = index
                            let chosen = palette.colors[Int(index)]
                            let error = (wanted.0 - Float(chosen.r), wanted.1 - Float(chosen.g), wanted.2 - Float(chosen.b))
                            // Floyd–Steinberg weights: 7/16 ahead, 3/16 behind below, 5/16 below, 1/16 ahead below.
                            let step = leftToRight ? 1 : -1
                            let ahead = x + step, behind = x - step
                            func spread(_ buffer: inout [Float], _ column: Int, _ row: Int, _ weight: Float) {
                                guard column >= 0, column < width, row < height, inside[row * width + column] else { return }
                                let i = (column + 1) * 3
                                buffer[i] += error.0 * weight
                                buffer[i + 1] += error.1 * weight
                                buffer[i + 2] += error.2 * weight
                            }
                            spread(&current, ahead, y, 7 / 16)
                            spread(&next, behind, y + 1, 3 / 16)
                            spread(&next, x, y + 1, 5 / 16)
                            spread(&next, ahead, y + 1, 1 / 16)
                        }
                        swap(&current, &next)
                        for i in next.indices { next[i] = 0 }
                    }
                }
            }
        }
        return out
    }

    /// Palette indices for an image (see `indices(rgbBytes:width:height:smooth:)`).
    public func indices(for image: Image, smooth: [PixelRect]) -> [UInt8] {
        indices(rgbBytes: rgbBytes(of: image), width: image.width, height: image.height, smooth: smooth)
    }
}

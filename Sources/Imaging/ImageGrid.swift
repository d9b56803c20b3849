/// A montage of equally sized tiles in rows and columns, like
/// `torchvision.utils.make_grid`: convolution kernels, feature maps, samples.
///
/// Tile k goes to column k % columns, row k / columns. With p = `padding`,
/// tile size h × w and upscale u, each cell is (w·u + p) × (h·u + p + caption
/// height) and the grid has p more on its right and bottom edges, all in `padColor`.
public struct ImageGrid: Sendable {
    /// How tile values become intensities in [0, 1].
    public enum Scaling: Sendable {
        /// Values are already in [0, 1]; others are clamped.
        case none
        /// One range over all tiles, so tiles can be compared with each other.
        case global
        /// Each tile stretched over its own range (shows structure in weak tiles).
        case perTile
    }

    /// Tiles per row (torchvision's `nrow`); fewer tiles than this make one shorter row.
    public var columns: Int
    public var padding: Int
    public var padColor: Color
    public var scaling: Scaling
    /// Use the range −m…m (m = largest magnitude) instead of min…max, so 0 is
    /// always mid-grey (gray tiles, RGB tiles) or white (diverging map): right for weights.
    public var symmetric: Bool
    /// Colours 1-channel tiles; nil draws them in gray. Ignored for RGB tiles.
    public var colorMap: ColorMap?
    /// Nearest-neighbour upscaling of every tile (e.g. 8 makes a 7×7 kernel 56×56).
    public var upscale: Int
    /// One caption per tile (missing or extra entries are ignored), drawn under it.
    public var captions: [String]
    public var captionScale: Int

    public init(columns: Int = 8, padding: Int = 2, padColor: Color = .black, scaling: Scaling = .global,
                symmetric: Bool = false, colorMap: ColorMap? = nil, upscale: Int = 1,
                captions: [String] = [], captionScale: Int = 1) {
        self.columns = columns
        self.padding = padding
        self.padColor = padColor
        self.scaling = scaling
        self.symmetric = symmetric
        self.colorMap = colorMap
        self.upscale = upscale
        self.captions = captions
        self.captionScale = captionScale
    }

    /// Lays out a batch of tiles given as one buffer.
    /// - Parameters:
    ///   - tiles: `[N, C, H, W]` row-major (PyTorch's layout), C = 1 or 3.
    ///   - shape: `[N, C, H, W]`.
    public func render(_ tiles: [Float], shape: [Int]) -> Image { // tiles: [N, C, H, W]
        precondition(shape.count == 4 && (shape[1] == 1 || shape[1] == 3),
                     "ImageGrid needs a shape [N, C, H, W] with C = 1 or 3, got \(shape).")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        precondition(tiles.count == n * c * h * w, "Shape \(shape) needs \(n * c * h * w) values, got \(tiles.count).")
        let plane = h * w
        let images = (0..<n).map { k -> Image in
            var hwc = [Float](repeating: 0, count: c * plane)
            for ch in 0..<c {
                for i in 0..<plane { hwc[i * c + ch] = tiles[(k * c + ch) * plane + i] }
            }
            return Image(width: w, height: h, channels: c, pixels: hwc)
        }
        return render(images)
    }

    /// Lays out images that all have the same width and height (gray and RGB may be mixed).
    public func render(_ tiles: [Image]) -> Image {
        guard let first = tiles.first else { return Image(width: 1, height: 1, color: padColor) }
        let (h, w) = (first.height, first.width)
        precondition(tiles.allSatisfy { $0.width == w && $0.height == h },
                     "ImageGrid tiles must share one size; the first is \(w)×\(h), others differ.")
        let u = max(1, upscale), p = max(0, padding)
        let across = min(max(1, columns), tiles.count), down = (tiles.count + across - 1) / across
        let captionHeight = captions.isEmpty ? 0 : Canvas.textBox("0", scale: captionScale).height + 5 * captionScale
        let cellWidth = w * u + p, cellHeight = h * u + p + captionHeight
        var canvas = Canvas(width: across * cellWidth + p, height: down * cellHeight + p, background: padColor)
        let global = scaling == .global ? range(of: tiles.flatMap(\.pixels)) : nil
        let captionColor: Color = padColor.luminance > 0.5 ? .black : .white
        for (k, tile) in tiles.enumerated() {
            let valueRange = scaling == .none ? Float(0)...Float(1) : (global ?? range(of: tile.pixels))
            let x = (k % across) * cellWidth + p, y = (k / across) * cellHeight + p
            canvas.blit(colored(tile, range: valueRange).upscaled(by: u), x: x, y: y)
            if k < captions.count && !captions[k].isEmpty {
                let text = fitted(captions[k], width: w * u)
                canvas.drawText(text, x: x + w * u / 2, y: y + h * u + 2 * captionScale, color: captionColor,
                                scale: captionScale, anchor: .top)
            }
        }
        return canvas.image
    }

    private func range(of values: [Float]) -> ClosedRange<Float> {
        ColorMap.range(of: values, symmetric: symmetric)
    }

    /// A tile's values mapped to colours: through the colour map (1 channel) or
    /// linearly to [0, 1] per channel.
    private func colored(_ tile: Image, range: ClosedRange<Float>) -> Image {
        if tile.channels == 1, let map = colorMap {
            return map.image(tile.pixels, width: tile.width, height: tile.height, range: range)
        }
        var out = tile
        for i in out.pixels.indices { out.pixels[i] = ColorMap.position(of: tile.pixels[i], in: range) }
        return out
    }

    /// `text`, shortened with "…" until it fits in `width` pixels.
    private func fitted(_ text: String, width: Int) -> String {
        var shown = text
        while !shown.isEmpty && Canvas.textBox(shown, scale: captionScale).width > width {
            shown.removeLast()
            if shown.isEmpty { break }
            if Canvas.textBox(shown + "…", scale: captionScale).width <= width { return shown + "…" }
        }
        return shown
    }
}

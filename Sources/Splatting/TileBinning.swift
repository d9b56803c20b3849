/// The Gaussians whose pixel box overlaps each 16×16 tile, in compressed-row (CSR) form.
///
/// Tile t = ty·tilesX + tx covers columns 16·tx ..< 16·tx + 16 and rows 16·ty ..< 16·ty + 16
/// (clipped to the image). Its Gaussians are `indices[start[t] ..< start[t + 1]]`, in
/// ascending Gaussian order, so every pixel sums its Gaussians in the same order whatever
/// the number of threads. Built by a counting sort: two passes over the boxes, no
/// per-element allocation.
struct TileBins {
    /// Tile edge in pixels.
    static let tileSize = 16

    let tilesX: Int
    let tilesY: Int
    /// [T + 1] offsets into `indices`.
    let start: [Int]
    /// [pairs] Gaussian index per (tile, Gaussian) pair.
    let indices: [Int32]
    /// [T] work per tile: the number of Gaussian rows (box rows inside the tile) it evaluates.
    let rowCost: [Int]

    var tileCount: Int { tilesX * tilesY }
    var pairCount: Int { indices.count }

    /// Bins the boxes of `gaussians` into the tiles of a `height`×`width` image.
    init(_ gaussians: ProjectedGaussians, height: Int, width: Int) {
        let s = TileBins.tileSize
        let tilesX = (width + s - 1) / s, tilesY = (height + s - 1) / s
        let tiles = tilesX * tilesY
        var counts = [Int](repeating: 0, count: tiles + 1)
        var cost = [Int](repeating: 0, count: tiles)
        let boxes = gaussians.boxes
        // Pass 1: count the Gaussians per tile (and their rows inside it).
        for i in 0..<gaussians.count where gaussians.isVisible(i) {
            let x0 = Int(boxes[4 * i]), x1 = Int(boxes[4 * i + 1])
            let y0 = Int(boxes[4 * i + 2]), y1 = Int(boxes[4 * i + 3])
            for ty in (y0 / s)...((y1 - 1) / s) {
                let rows = min(y1, (ty + 1) * s) - max(y0, ty * s)
                for tx in (x0 / s)...((x1 - 1) / s) {
                    counts[ty * tilesX + tx + 1] += 1
                    cost[ty * tilesX + tx] += rows
                }
            }
        }
        for t in 0..<tiles { counts[t + 1] += counts[t] }
        // Pass 2: place the indices.
        var next = counts
        var indices = [Int32](repeating: 0, count: counts[tiles])
        for i in 0..<gaussians.count where gaussians.isVisible(i) {
            let x0 = Int(boxes[4 * i]), x1 = Int(boxes[4 * i + 1])
            let y0 = Int(boxes[4 * i + 2]), y1 = Int(boxes[4 * i + 3])
            for ty in (y0 / s)...((y1 - 1) / s) {
                for tx in (x0 / s)...((x1 - 1) / s) {
                    let t = ty * tilesX + tx
                    indices[next[t]] = Int32(i)
                    next[t] += 1
                }
            }
        }
        self.tilesX = tilesX
        self.tilesY = tilesY
        self.start = counts
        self.indices = indices
        self.rowCost = cost
    }

    /// Splits the tiles into at most `parts` contiguous ranges of about equal work, so that
    /// the workers of `Parallelism.forEachChunk` finish together.
    func balancedRanges(parts: Int) -> [Range<Int>] {
        let tiles = tileCount
        let total = rowCost.reduce(0, +)
        let parts = max(1, min(parts, tiles))
        guard parts > 1, total > 0 else { return [0..<tiles] }
        var ranges: [Range<Int>] = []
        var lower = 0, acc = 0
        for t in 0..<tiles {
            acc += rowCost[t]
            if ranges.count < parts - 1, acc * parts >= total * (ranges.count + 1) {
                ranges.append(lower..<(t + 1))
                lower = t + 1
            }
        }
        ranges.append(lower..<tiles)
        return ranges.filter { !$0.isEmpty }
    }
}

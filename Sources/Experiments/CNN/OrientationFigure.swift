import Foundation
import Imaging

/// `orientation.png`: where the first-layer kernels point.
///
/// Left, a half circle: each kernel is a disc at its preferred orientation, its distance
/// from the centre its OSI, filled in the kernel's own colour (the colour of its strongest
/// pixel as `conv1.png` draws it); a ring marks a weak filter. Orientation is axial, so
/// the half circle holds every direction; around its rim, ideal Gabors at 0°, 22.5°, …
/// show what each direction means. Right, the kernels sorted by orientation, each beside
/// an ideal Gabor at the same orientation: a bank would look like the reference column.
struct OrientationFigure {
    /// conv1's weights `[F, C, k, k]` and its analysis.
    let weights: [Float]
    let shape: [Int]
    let summary: GaborSummary
    let epoch: Int

    private static let radius = 210.0
    private static let thumbUpscale = 5

    func render() -> Image {
        Figure.row([halfCircle(), sortedBank()], gap: 24)
    }

    // MARK: - The half circle

    private static let thumb = 7 * thumbUpscale
    private static let margin = Double(thumb) + 48
    /// The half circle's centre in its panel (before the title is added).
    static let centre = Point(radius + margin, radius + margin)

    /// Where kernel `i`'s disc is drawn in the half-circle panel.
    func markCentre(of i: Int) -> Point {
        let analysis = summary.kernels[i].analysis
        return position(orientation: analysis.orientation, osi: min(analysis.osi, 1), centre: OrientationFigure.centre)
    }

    private func halfCircle() -> Image {
        Figure.titled(halfCircleCanvas().image, title, scale: 1)
    }

    private var title: String {
        let spread = summary.spread
        let resultant = spread.resultant.isNaN ? "-" : String(format: "%.2f", spread.resultant)
        return "preferred orientations - epoch \(epoch): \(spread.oriented.count) oriented (OSI >= 0.4), "
            + "resultant \(resultant), \(spread.binsCovered) of 4 bins, \(spread.weak.count) weak"
    }

    /// The half circle without its title.
    func halfCircleCanvas() -> Canvas {
        let r = OrientationFigure.radius, thumb = OrientationFigure.thumb, margin = OrientationFigure.margin
        let width = Int(2 * (r + margin)), height = Int(r + margin + 70)
        var canvas = Canvas(width: width, height: height, background: .white)
        let centre = OrientationFigure.centre
        let guide = Color(gray: 0.8)
        // OSI arcs, the one at 0.4 (oriented from here out) darker.
        for osi in [0.2, 0.4, 0.6, 0.8, 1.0] {
            let points = (0...180).map { a -> Point in
                let t = Double.pi + Double(a) * .pi / 180
                return Point(centre.x + osi * r * cos(t), centre.y + osi * r * sin(t))
            }
            canvas.drawPolyline(points, color: osi == OrientationSpread.orientedOSI ? Color(gray: 0.45) : guide,
                                width: osi == OrientationSpread.orientedOSI ? 1.5 : 1)
            canvas.drawText(String(format: "%.1f", osi), x: Int(centre.x + osi * r), y: Int(centre.y) + 6,
                            color: Color(gray: 0.4), anchor: .top)
        }
        canvas.drawText("OSI", x: Int(centre.x), y: Int(centre.y) + 6, color: Color(gray: 0.4), anchor: .top)
        // Spokes at the bin boundaries (22.5°, 67.5°, …), so each sector is one bin.
        for boundary in [22.5, 67.5, 112.5, 157.5] {
            let p = position(orientation: boundary * .pi / 180, osi: 1, centre: centre)
            canvas.drawLine(from: centre, to: p, color: guide, width: 1)
        }
        canvas.drawLine(from: Point(centre.x - r, centre.y), to: Point(centre.x + r, centre.y), color: guide)
        // Reference Gabors around the rim.
        for step in 0...8 {
            let degrees = Double(step) * 22.5
            let p = position(orientation: degrees * .pi / 180, osi: 1, centre: centre, extra: Double(thumb) / 2 + 8)
            let image = OrientationFigure.referenceGabor(orientation: degrees * .pi / 180)
            canvas.blit(image, x: Int(p.x) - thumb / 2, y: Int(p.y) - thumb / 2)
            if step % 2 == 0 {
                let label = position(orientation: degrees * .pi / 180, osi: 1, centre: centre, extra: Double(thumb) + 22)
                canvas.drawText(String(format: "%.0f°", degrees),
                                x: Int(label.x), y: Int(label.y), color: Color(gray: 0.3), anchor: .center)
            }
        }
        // The kernels: weakest first, so strong ones are drawn on top.
        let weak = Set(summary.spread.weak)
        let order = summary.kernels.indices.sorted { summary.kernels[$0].norm < summary.kernels[$1].norm }
        for i in order {
            let p = markCentre(of: i)
            if weak.contains(i) {
                canvas.drawCircle(center: p, radius: 7, color: colour(of: i), width: 3)
                canvas.drawCircle(center: p, radius: 8.5, color: Color(gray: 0.25), width: 1)
            } else {
                canvas.fillCircle(center: p, radius: 8, color: colour(of: i))
                canvas.drawCircle(center: p, radius: 8, color: Color(gray: 0.15), width: 1.2)
            }
            canvas.drawText("\(i)", x: Int(p.x) + 10, y: Int(p.y) - 10, color: .black)
        }
        let legend = "disc = kernel at its preferred orientation (across its stripes), distance = OSI;\n"
            + "ring = weak filter (norm < half the median); sectors = the 4 orientation bins"
        canvas.drawText(legend, x: 8, y: height - 26, color: Color(gray: 0.3))
        return canvas
    }

    /// The point at `orientation` (radians, y down) and `osi` on the upper half circle: an
    /// axis and its opposite are one orientation, so the direction drawn is θ + 180°.
    private func position(orientation: Double, osi: Double, centre: Point, extra: Double = 0) -> Point {
        let distance = osi * OrientationFigure.radius + extra
        return Point(centre.x - distance * cos(orientation), centre.y - distance * sin(orientation))
    }

    // MARK: - The sorted bank

    private func sortedBank() -> Image {
        let (f, c, k) = (shape[0], shape[1], shape[2])
        let plane = k * k
        let order = (0..<f).sorted { summary.kernels[$0].analysis.orientation < summary.kernels[$1].analysis.orientation }
        var tiles: [Image] = []
        var captions: [String] = []
        let upscale = max(4, 56 / k)
        for i in order {
            let kernel = Array(weights[(i * c * plane)..<((i + 1) * c * plane)])
            let scale = kernel.map(abs).max() ?? 1
            var rgb = [Float](repeating: 0.5, count: 3 * plane)
            for p in 0..<plane {
                for ch in 0..<3 { rgb[ch * plane + p] = 0.5 + 0.5 * kernel[(c == 3 ? ch : 0) * plane + p] / max(scale, 1e-12) }
            }
            let grid = ImageGrid(columns: 1, padding: 0, padColor: .white, scaling: .none, upscale: upscale)
            tiles.append(grid.render(rgb, shape: [1, 3, k, k]))
            tiles.append(OrientationFigure.referenceGabor(orientation: summary.kernels[i].analysis.orientation, size: k,
                                                          upscale: upscale))
            let a = summary.kernels[i].analysis
            captions.append(String(format: "#%d %.0f°", i, a.orientation * 180 / .pi))
            captions.append(String(format: "OSI %.2f", a.osi))
        }
        let grid = ImageGrid(columns: 8, padding: 6, padColor: .white, scaling: .none, captions: captions, captionScale: 1)
            .render(tiles)
        return Figure.titled(grid, "kernels by orientation | ideal Gabor at the same angle", scale: 1)
    }

    // MARK: - Pieces

    /// The colour of kernel `i`'s strongest pixel (largest RGB norm) as `conv1.png` draws it:
    /// 0.5 + 0.5·w/max|w| per channel.
    func colour(of i: Int) -> Color {
        let (c, k) = (shape[1], shape[2])
        let plane = k * k
        let base = i * c * plane
        var best = 0, bestNorm = -1.0 as Float
        for p in 0..<plane {
            let norm = (0..<c).reduce(Float(0)) { $0 + weights[base + $1 * plane + p] * weights[base + $1 * plane + p] }
            if norm > bestNorm { (best, bestNorm) = (p, norm) }
        }
        let v = (0..<3).map { weights[base + (c == 3 ? $0 : 0) * plane + best] }
        let m = max(v.map(abs).max() ?? 1, 1e-12)
        return Color(r: 0.5 + 0.5 * v[0] / m, g: 0.5 + 0.5 * v[1] / m, b: 0.5 + 0.5 * v[2] / m)
    }

    /// An even Gabor (f = 0.18 cycles/px, σ = 0.3·k) whose wave vector points at
    /// `orientation` (x right, y down), gray with mid-grey = 0.
    static func referenceGabor(orientation: Double, size k: Int = 7, upscale: Int = thumbUpscale) -> Image {
        let gabor = GaborParameters(amplitude: 0.5, x0: Double(k - 1) / 2, y0: Double(k - 1) / 2, theta: orientation,
                                    sigmaX: 0.3 * Double(k), sigmaY: 0.3 * Double(k), frequency: 0.18, phase: 0,
                                    offset: 0.5)
        let values = gabor.rendered(size: k).map { Float($0) }
        return ImageGrid(columns: 1, padding: 0, padColor: .white, scaling: .none, upscale: upscale)
            .render(values, shape: [1, 1, k, k])
    }
}

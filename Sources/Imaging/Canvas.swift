import Foundation

/// A point in canvas coordinates: x to the right, y down, in pixels. Pixel
/// (i, j) covers the square [i, i + 1) × [j, j + 1), so its centre is (i + 0.5, j + 0.5).
public struct Point: Equatable, Sendable {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// An RGB drawing surface: rectangles, anti-aliased lines and ellipses, images,
/// and bitmap text (see `Canvas+Text.swift`). Everything is clipped to the
/// canvas, so shapes may extend past its edges.
///
/// Blending is `(1 − α) · old + α · colour`, so opaque drawing stores the colour exactly.
/// Anti-aliasing uses exact pixel coverage for rectangles and an analytic
/// estimate for strokes and ellipses: a pixel whose centre is at distance d from
/// the ideal edge is covered by clamp(0.5 − d, 0, 1).
public struct Canvas: Sendable {
    /// The drawing so far (always 3 channels).
    public private(set) var image: Image

    public var width: Int { image.width }
    public var height: Int { image.height }

    /// A blank canvas of one colour.
    public init(width: Int, height: Int, background: Color = .white) {
        image = Image(width: width, height: height, color: background)
    }

    /// A canvas that starts from `image` (a gray image becomes RGB).
    public init(image: Image) {
        self.image = image.rgb()
    }

    // MARK: - Pixels and rectangles

    /// Mixes `color` into pixel (x, y) with weight `alpha` in [0, 1]; outside the canvas nothing happens.
    public mutating func blend(x: Int, y: Int, color: Color, alpha: Float = 1) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let a = min(alpha, 1), i = (y * width + x) * 3
        image.pixels[i] = (1 - a) * image.pixels[i] + a * color.r
        image.pixels[i + 1] = (1 - a) * image.pixels[i + 1] + a * color.g
        image.pixels[i + 2] = (1 - a) * image.pixels[i + 2] + a * color.b
    }

    /// Fills the rectangle of `width` × `height` pixels whose top-left pixel is (x, y).
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, color: Color, alpha: Float = 1) {
        let x0 = max(x, 0), y0 = max(y, 0), x1 = min(x + w, width), y1 = min(y + h, height)
        guard x0 < x1, y0 < y1 else { return }
        let a = min(max(alpha, 0), 1), canvasWidth = width
        image.pixels.withUnsafeMutableBufferPointer { px in
            for row in y0..<y1 {
                for col in x0..<x1 {
                    let i = (row * canvasWidth + col) * 3
                    px[i] = (1 - a) * px[i] + a * color.r
                    px[i + 1] = (1 - a) * px[i + 1] + a * color.g
                    px[i + 2] = (1 - a) * px[i + 2] + a * color.b
                }
            }
        }
    }

    /// Draws the outline of a rectangle, `thickness` pixels wide, inside its bounds.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, color: Color, thickness: Int = 1) {
        let t = max(1, min(thickness, (min(w, h) + 1) / 2))
        fillRect(x: x, y: y, width: w, height: t, color: color)
        fillRect(x: x, y: y + h - t, width: w, height: t, color: color)
        fillRect(x: x, y: y + t, width: t, height: h - 2 * t, color: color)
        fillRect(x: x + w - t, y: y + t, width: t, height: h - 2 * t, color: color)
    }

    /// Copies `source` with its top-left corner at (x, y); gray sources are drawn as gray.
    public mutating func blit(_ source: Image, x: Int, y: Int) {
        let x0 = max(x, 0), y0 = max(y, 0)
        let x1 = min(x + source.width, width), y1 = min(y + source.height, height)
        guard x0 < x1, y0 < y1 else { return }
        let canvasWidth = width
        image.pixels.withUnsafeMutableBufferPointer { dst in
            source.pixels.withUnsafeBufferPointer { src in
                for row in y0..<y1 {
                    for col in x0..<x1 {
                        let s = ((row - y) * source.width + (col - x)) * source.channels
                        let d = (row * canvasWidth + col) * 3
                        for c in 0..<3 { dst[d + c] = src[s + (source.channels == 3 ? c : 0)] }
                    }
                }
            }
        }
    }

    // MARK: - Strokes

    /// An anti-aliased straight line with round ends, `width` pixels thick.
    public mutating func drawLine(from a: Point, to b: Point, color: Color, width lineWidth: Double = 1, alpha: Float = 1) {
        drawPolyline([a, b], color: color, width: lineWidth, alpha: alpha)
    }

    /// Anti-aliased connected segments through `points`. Each pixel takes the
    /// largest coverage of any segment, so joints are not drawn twice. Points
    /// with a non-finite coordinate break the line (handy for missing data).
    public mutating func drawPolyline(_ points: [Point], color: Color, width lineWidth: Double = 1,
                                      alpha: Float = 1, closed: Bool = false) {
        let radius = max(lineWidth, 0.1) / 2
        var segments: [(Point, Point)] = []
        for i in 0..<points.count {
            guard i + 1 < points.count || (closed && points.count > 2) else { break }
            let p = points[i], q = points[(i + 1) % points.count]
            if p.x.isFinite && p.y.isFinite && q.x.isFinite && q.y.isFinite { segments.append((p, q)) }
        }
        if segments.isEmpty, points.count == 1, points[0].x.isFinite, points[0].y.isFinite {
            segments.append((points[0], points[0])) // a lone point draws as a dot
        }
        guard !segments.isEmpty else { return }
        let reach = radius + 0.5
        let xs = segments.flatMap { [$0.0.x, $0.1.x] }, ys = segments.flatMap { [$0.0.y, $0.1.y] }
        let bx0 = max(0, Int((xs.min()! - reach).rounded(.down)))
        let by0 = max(0, Int((ys.min()! - reach).rounded(.down)))
        let bx1 = min(width - 1, Int((xs.max()! + reach).rounded(.down)))
        let by1 = min(height - 1, Int((ys.max()! + reach).rounded(.down)))
        guard bx0 <= bx1, by0 <= by1 else { return }
        let maskWidth = bx1 - bx0 + 1
        var mask = [Float](repeating: 0, count: maskWidth * (by1 - by0 + 1))
        for (p, q) in segments {
            addSegmentCoverage(p, q, radius: radius, into: &mask, origin: (bx0, by0), size: (maskWidth, by1 - by0 + 1))
        }
        applyMask(mask, origin: (bx0, by0), maskWidth: maskWidth, color: color, alpha: alpha)
    }

    /// Coverage of one capsule-shaped segment, visiting only the pixels of each
    /// row that can be within reach (work ∝ length × width, not bounding-box area).
    private func addSegmentCoverage(_ p: Point, _ q: Point, radius: Double, into mask: inout [Float],
                                    origin: (Int, Int), size: (Int, Int)) {
        let dx = q.x - p.x, dy = q.y - p.y
        let lengthSquared = dx * dx + dy * dy, length = lengthSquared.squareRoot()
        let reach = radius + 0.5
        let rowStart = max(origin.1, Int((min(p.y, q.y) - reach).rounded(.down)))
        let rowEnd = min(origin.1 + size.1 - 1, Int((max(p.y, q.y) + reach).rounded(.down)))
        guard rowStart <= rowEnd else { return }
        // Horizontal half-extent of the band around the infinite line, per row.
        let bandHalf = abs(dy) > 1e-9 ? reach * length / abs(dy) : Double.infinity
        for row in rowStart...rowEnd {
            let cy = Double(row) + 0.5
            var lo = min(p.x, q.x) - reach, hi = max(p.x, q.x) + reach
            if bandHalf.isFinite {
                let crossing = p.x + (cy - p.y) * dx / dy
                lo = max(lo, crossing - bandHalf - 1)
                hi = min(hi, crossing + bandHalf + 1)
            }
            let colStart = max(origin.0, Int(lo.rounded(.down))), colEnd = min(origin.0 + size.0 - 1, Int(hi.rounded(.down)))
            guard colStart <= colEnd else { continue }
            for col in colStart...colEnd {
                let cx = Double(col) + 0.5
                var t = lengthSquared > 0 ? ((cx - p.x) * dx + (cy - p.y) * dy) / lengthSquared : 0
                t = min(max(t, 0), 1)
                let ex = cx - (p.x + t * dx), ey = cy - (p.y + t * dy)
                let coverage = Float(min(max(reach - (ex * ex + ey * ey).squareRoot(), 0), 1))
                let m = (row - origin.1) * size.0 + (col - origin.0)
                if coverage > mask[m] { mask[m] = coverage }
            }
        }
    }

    private mutating func applyMask(_ mask: [Float], origin: (Int, Int), maskWidth: Int, color: Color, alpha: Float) {
        let canvasWidth = width, a = min(max(alpha, 0), 1)
        let rows = mask.count / maskWidth
        image.pixels.withUnsafeMutableBufferPointer { px in
            for r in 0..<rows {
                for c in 0..<maskWidth {
                    let weight = mask[r * maskWidth + c] * a
                    guard weight > 0 else { continue }
                    let i = ((origin.1 + r) * canvasWidth + origin.0 + c) * 3
                    px[i] = (1 - weight) * px[i] + weight * color.r
                    px[i + 1] = (1 - weight) * px[i + 1] + weight * color.g
                    px[i + 2] = (1 - weight) * px[i + 2] + weight * color.b
                }
            }
        }
    }

    // MARK: - Ellipses

    /// The outline of an ellipse with semi-axes `radii` (along x and y before
    /// rotation), turned by `angle` radians (positive turns x towards y, i.e. clockwise on screen).
    public mutating func drawEllipse(center: Point, radii: (x: Double, y: Double), angle: Double = 0,
                                     color: Color, width lineWidth: Double = 1, alpha: Float = 1) {
        let (a, b) = (abs(radii.x), abs(radii.y))
        // Ramanujan's perimeter estimate; a segment every ~2 px keeps the outline round.
        let perimeter = Double.pi * (3 * (a + b) - ((3 * a + b) * (a + 3 * b)).squareRoot())
        let count = max(12, min(2000, Int(perimeter / 2)))
        let (c, s) = (cos(angle), sin(angle))
        let points = (0..<count).map { k -> Point in
            let t = 2 * Double.pi * Double(k) / Double(count)
            let (u, v) = (a * cos(t), b * sin(t))
            return Point(center.x + u * c - v * s, center.y + u * s + v * c)
        }
        drawPolyline(points, color: color, width: lineWidth, alpha: alpha, closed: true)
    }

    /// A filled, anti-aliased ellipse (see `drawEllipse` for the geometry).
    public mutating func fillEllipse(center: Point, radii: (x: Double, y: Double), angle: Double = 0,
                                     color: Color, alpha: Float = 1) {
        let (a, b) = (max(abs(radii.x), 1e-6), max(abs(radii.y), 1e-6))
        let (c, s) = (cos(angle), sin(angle))
        let extentX = ((a * c) * (a * c) + (b * s) * (b * s)).squareRoot() + 1
        let extentY = ((a * s) * (a * s) + (b * c) * (b * c)).squareRoot() + 1
        let x0 = max(0, Int((center.x - extentX).rounded(.down))), x1 = min(width - 1, Int((center.x + extentX).rounded(.down)))
        let y0 = max(0, Int((center.y - extentY).rounded(.down))), y1 = min(height - 1, Int((center.y + extentY).rounded(.down)))
        guard x0 <= x1, y0 <= y1 else { return }
        let maskWidth = x1 - x0 + 1
        var mask = [Float](repeating: 0, count: maskWidth * (y1 - y0 + 1))
        for row in y0...y1 {
            for col in x0...x1 {
                let dx = Double(col) + 0.5 - center.x, dy = Double(row) + 0.5 - center.y
                let u = dx * c + dy * s, v = -dx * s + dy * c
                let q = ((u / a) * (u / a) + (v / b) * (v / b)).squareRoot()
                // Signed distance to the edge ≈ (q − 1) / |∇q|, exact for circles.
                let gradient = ((u / (a * a)) * (u / (a * a)) + (v / (b * b)) * (v / (b * b))).squareRoot()
                let distance = q > 0 && gradient > 0 ? (q - 1) * q / gradient : -min(a, b)
                mask[(row - y0) * maskWidth + (col - x0)] = Float(min(max(0.5 - distance, 0), 1))
            }
        }
        applyMask(mask, origin: (x0, y0), maskWidth: maskWidth, color: color, alpha: alpha)
    }

    /// A circle outline of radius `radius` around `center`.
    public mutating func drawCircle(center: Point, radius: Double, color: Color, width lineWidth: Double = 1, alpha: Float = 1) {
        drawEllipse(center: center, radii: (radius, radius), color: color, width: lineWidth, alpha: alpha)
    }

    /// A filled circle of radius `radius` around `center`.
    public mutating func fillCircle(center: Point, radius: Double, color: Color, alpha: Float = 1) {
        fillEllipse(center: center, radii: (radius, radius), color: color, alpha: alpha)
    }
}

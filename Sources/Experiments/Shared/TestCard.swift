import Foundation
import Imaging

/// The project's own test card (docs/DESIGN.md §1): a smooth diagonal gradient background with
/// a red square, a green disc, a blue triangle and a sharp black/white edge.
///
/// It is the CNN's fixed probe image (edges of every orientation, three pure colours, a
/// straight step) and `trainviz splat`'s default target, drawn at any size with the same
/// geometry, anti-aliased analytically (coverage = clamp(0.5 − signed distance, 0, 1)).
public enum TestCard {
    /// The card as an RGB image of `size × size` pixels.
    public static func image(size: Int) -> Image {
        precondition(size >= 1, "TestCard: size must be positive")
        let s = Double(size)
        var pixels = [Float](repeating: 0, count: size * size * 3)
        // Geometry in units of the card's side.
        let square = (cx: 0.30, cy: 0.30, half: 0.14)
        let disc = (cx: 0.70, cy: 0.32, r: 0.15)
        let triangle = [(0.30, 0.58), (0.14, 0.88), (0.48, 0.88)].map { ($0.0 * s, $0.1 * s) }
        let edgeX = 0.62 * s  // black/white edge: a vertical step in the lower right
        for y in 0..<size {
            for x in 0..<size {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let u = px / s, v = py / s
                // Background: a gentle warm-to-cool diagonal gradient.
                var rgb = (r: 0.85 - 0.35 * v, g: 0.75 - 0.2 * (u + v) / 2, b: 0.45 + 0.35 * u)
                func paint(_ coverage: Double, _ c: (Double, Double, Double)) {
                    guard coverage > 0 else { return }
                    rgb.r += coverage * (c.0 - rgb.r)
                    rgb.g += coverage * (c.1 - rgb.g)
                    rgb.b += coverage * (c.2 - rgb.b)
                }
                func cover(_ distance: Double) -> Double { min(max(0.5 - distance, 0), 1) }
                // Black/white edge panel.
                let panel = max(abs(px - 0.80 * s) - 0.16 * s, abs(py - 0.74 * s) - 0.16 * s)
                if panel < 0.5 {
                    let white = cover(edgeX + 0.18 * s - px)   // left half black, right half white
                    let c = 1 - white
                    paint(cover(panel), (1 - c, 1 - c, 1 - c))
                }
                let sq = max(abs(px - square.cx * s), abs(py - square.cy * s)) - square.half * s
                paint(cover(sq), (0.9, 0.1, 0.1))
                let dd = ((px - disc.cx * s) * (px - disc.cx * s) + (py - disc.cy * s) * (py - disc.cy * s)).squareRoot() - disc.r * s
                paint(cover(dd), (0.1, 0.75, 0.2))
                paint(cover(triangleDistance(px, py, triangle)), (0.15, 0.25, 0.9))
                let i = (y * size + x) * 3
                pixels[i] = Float(min(max(rgb.r, 0), 1))
                pixels[i + 1] = Float(min(max(rgb.g, 0), 1))
                pixels[i + 2] = Float(min(max(rgb.b, 0), 1))
            }
        }
        return Image(width: size, height: size, channels: 3, pixels: pixels)
    }

    /// Signed distance to a triangle (negative inside).
    private static func triangleDistance(_ x: Double, _ y: Double, _ t: [(Double, Double)]) -> Double {
        var positive = 0
        var best = Double.infinity
        for k in 0..<3 {
            let (ax, ay) = t[k], (bx, by) = t[(k + 1) % 3]
            let ex = bx - ax, ey = by - ay
            let wx = x - ax, wy = y - ay
            let h = min(max((wx * ex + wy * ey) / (ex * ex + ey * ey), 0), 1)
            let dx = wx - ex * h, dy = wy - ey * h
            best = min(best, (dx * dx + dy * dy).squareRoot())
            // Inside means on the same side of all three edges.
            if ex * wy - ey * wx > 0 { positive += 1 }
        }
        return positive == 0 || positive == 3 ? -best : best
    }
}

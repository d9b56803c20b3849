import Autograd
import Foundation

/// The six classes of the synthetic-shapes data set.
public enum ShapeClass: Int, CaseIterable, CustomStringConvertible {
    case disc, rectangle, triangle, bar, ring, cross

    /// The class name used in previews and `labels.csv`.
    public var description: String {
        switch self {
        case .disc: "disc"
        case .rectangle: "rectangle"
        case .triangle: "triangle"
        case .bar: "bar"
        case .ring: "ring"
        case .cross: "cross"
        }
    }
}

/// A batch of synthetic images held in memory.
public struct ShapesDataset {
    /// Pixels in `[0, 1]` (before normalisation), `[count, channels, size, size]` (NCHW).
    public var images: [Float]
    /// One class index per image, `ShapeClass.rawValue`.
    public var labels: [Int]
    /// Number of images.
    public var count: Int { labels.count }
    /// Colour channels: 3 (RGB) or 1 (gray).
    public var channels: Int
    /// Image side in pixels.
    public var size: Int
    /// Floats per image.
    public var imageStride: Int { channels * size * size }
}

/// Draws the synthetic shapes: one filled disc, rectangle, triangle, thin bar, ring or
/// cross per image, at a random position, size and rotation, in a random foreground
/// colour on a random background colour (at least 0.3 apart in RGB), with anti-aliased
/// edges and mild Gaussian-like pixel noise (σ = 0.03), clipped to `[0, 1]`.
///
/// Edges are anti-aliased analytically: each shape is a signed distance function `d`
/// (negative inside, in pixels) evaluated at the pixel centre, and the pixel's coverage
/// is `clamp(0.5 − d, 0, 1)` — a one-pixel ramp across the boundary, the same result as
/// heavy supersampling for straight edges, at one evaluation per pixel.
///
/// Every image draws from its own generator seeded by `(seed, index)`, so a data set
/// is identical for a seed on every platform and however many threads draw it. Labels
/// cycle through the classes (exactly balanced up to one image) in a seeded order.
public enum ShapesGenerator {
    /// Pixel noise standard deviation.
    public static let noise: Float = 0.03

    /// Draws `count` images of `size × size` pixels.
    /// - Parameter gray: convert to one luminance channel (ITU-R 601 weights).
    public static func generate(count: Int, seed: UInt64, size: Int = 32, gray: Bool = false) -> ShapesDataset {
        precondition(count >= 0 && size >= 8, "ShapesGenerator: need count ≥ 0 and size ≥ 8")
        var labelRNG = SeededRandom(seed: seed ^ 0x5348_4150_4553)  // "SHAPES"
        let order = labelRNG.permutation(count)
        let labels = order.map { $0 % ShapeClass.allCases.count }
        let channels = gray ? 1 : 3
        let stride = channels * size * size
        var images = [Float](repeating: 0, count: count * stride)
        images.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallelism.forEachChunk(count, minChunk: 64) { range in
                var coverage = [Float](repeating: 0, count: size * size)
                for i in range {
                    var rng = SeededRandom(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i) &+ 1)
                    draw(ShapeClass(rawValue: labels[i])!, size: size, gray: gray, rng: &rng,
                         coverage: &coverage, into: base + i * stride)
                }
            }
        }
        return ShapesDataset(images: images, labels: labels, channels: channels, size: size)
    }

    // MARK: - One image

    private static func draw(_ shape: ShapeClass, size: Int, gray: Bool, rng: inout SeededRandom,
                             coverage: inout [Float], into out: UnsafeMutablePointer<Float>) {
        let s = Float(size) / 32  // geometry is specified for 32×32 and scaled
        let radius = s * uniform(5, 11, &rng)
        let margin = 0.8 * radius
        let cx = uniform(margin, Float(size) - margin, &rng)
        let cy = uniform(margin, Float(size) - margin, &rng)
        let theta = uniform(0, 2 * .pi, &rng)
        let (c, sn) = (cos(theta), sin(theta))

        // Shape parameters, drawn once per image.
        var a: Float = 0, b: Float = 0
        var triangle = [SIMD2<Float>](repeating: .zero, count: 3)
        switch shape {
        case .disc: break
        case .rectangle:
            a = 0.8 * radius
            b = a * uniform(0.5, 1, &rng)
        case .triangle:
            for k in 0..<3 {
                let angle = theta + Float(k) * 2 * .pi / 3 + uniform(-0.26, 0.26, &rng)
                let r = radius * uniform(0.85, 1.15, &rng)
                triangle[k] = SIMD2(r * cos(angle), r * sin(angle))
            }
        case .bar:
            b = 0.5 * s * uniform(1, 2.5, &rng)    // half width
            a = radius * uniform(0.9, 1.4, &rng)   // half length
        case .ring:
            b = s * uniform(1.5, 3, &rng)          // thickness
        case .cross:
            b = 0.5 * s * uniform(2, 4, &rng)
            a = radius * uniform(0.8, 1, &rng)
        }

        coverage.withUnsafeMutableBufferPointer { cov in
            for y in 0..<size {
                for x in 0..<size {
                    let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                    // The pixel centre in the shape's rotated frame.
                    let u = c * dx + sn * dy, v = -sn * dx + c * dy
                    let d: Float
                    switch shape {
                    case .disc: d = (dx * dx + dy * dy).squareRoot() - radius
                    case .rectangle, .bar: d = boxDistance(u, v, a, b)
                    case .ring: d = abs((dx * dx + dy * dy).squareRoot() - (radius - b / 2)) - b / 2
                    case .cross: d = min(boxDistance(u, v, a, b), boxDistance(u, v, b, a))
                    case .triangle: d = triangleDistance(SIMD2(dx, dy), triangle)
                    }
                    cov[y * size + x] = min(max(0.5 - d, 0), 1)
                }
            }
        }

        // Colours at least 0.3 apart.
        var fg = SIMD3<Float>(), bg = SIMD3<Float>()
        repeat {
            fg = SIMD3(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
            bg = SIMD3(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
        } while ((fg - bg) * (fg - bg)).sum() < 0.09
        let plane = size * size
        if gray {
            let weights = SIMD3<Float>(0.299, 0.587, 0.114)
            fg = SIMD3(repeating: (fg * weights).sum())
            bg = SIMD3(repeating: (bg * weights).sum())
        }
        for channel in 0..<(gray ? 1 : 3) {
            let f = fg[channel], g = bg[channel]
            for p in 0..<plane {
                let value = g + coverage[p] * (f - g) + noise * approximateNormal(&rng)
                out[channel * plane + p] = min(max(value, 0), 1)
            }
        }
    }

    @inline(__always)
    private static func uniform(_ low: Float, _ high: Float, _ rng: inout SeededRandom) -> Float {
        low + (high - low) * rng.nextFloat()
    }

    /// A unit-variance, zero-mean sample from one 64-bit draw: the sum of four 16-bit
    /// uniforms (Irwin–Hall), centred and scaled. Bit-identical on every platform and
    /// close to Gaussian (bounded at ±3.46σ), which is all pixel noise needs.
    @inline(__always)
    private static func approximateNormal(_ rng: inout SeededRandom) -> Float {
        let bits = rng.next()
        let sum = Float(bits & 0xFFFF) + Float((bits >> 16) & 0xFFFF)
            + Float((bits >> 32) & 0xFFFF) + Float(bits >> 48)
        return (sum * 0x1p-16 - 2) * 1.7320508  // √3: Var(U₁+…+U₄) = 1/3
    }

    /// Signed distance to an axis-aligned box of half extents (a, b).
    @inline(__always)
    private static func boxDistance(_ u: Float, _ v: Float, _ a: Float, _ b: Float) -> Float {
        let qx = abs(u) - a, qy = abs(v) - b
        let outside = (max(qx, 0) * max(qx, 0) + max(qy, 0) * max(qy, 0)).squareRoot()
        return outside + min(max(qx, qy), 0)
    }

    /// Signed distance to a triangle (exact; after Inigo Quilez's `sdTriangle`).
    private static func triangleDistance(_ p: SIMD2<Float>, _ t: [SIMD2<Float>]) -> Float {
        let e0 = t[1] - t[0], e1 = t[2] - t[1], e2 = t[0] - t[2]
        let v0 = p - t[0], v1 = p - t[1], v2 = p - t[2]
        func project(_ v: SIMD2<Float>, _ e: SIMD2<Float>) -> SIMD2<Float> {
            v - e * min(max((v * e).sum() / (e * e).sum(), 0), 1)
        }
        let pq0 = project(v0, e0), pq1 = project(v1, e1), pq2 = project(v2, e2)
        let s: Float = e0.x * e2.y - e0.y * e2.x > 0 ? 1 : -1
        let d0 = SIMD2((pq0 * pq0).sum(), s * (v0.x * e0.y - v0.y * e0.x))
        let d1 = SIMD2((pq1 * pq1).sum(), s * (v1.x * e1.y - v1.y * e1.x))
        let d2 = SIMD2((pq2 * pq2).sum(), s * (v2.x * e2.y - v2.y * e2.x))
        let d = SIMD2(min(d0.x, d1.x, d2.x), min(d0.y, d1.y, d2.y))
        return -d.x.squareRoot() * (d.y > 0 ? 1 : -1)
    }
}

// MARK: - Normalisation

/// Per-channel mean and standard deviation, for normalising inputs.
public struct ChannelStatistics: Equatable {
    public var mean: [Float]
    public var std: [Float]

    /// The statistics of a data set over images, rows and columns (accumulated in Double).
    public init(of data: ShapesDataset) {
        let plane = data.size * data.size
        var mean = [Float](), std = [Float]()
        for c in 0..<data.channels {
            var sum = 0.0, sumSquares = 0.0
            for i in 0..<data.count {
                let base = i * data.imageStride + c * plane
                for p in 0..<plane {
                    let v = Double(data.images[base + p])
                    sum += v
                    sumSquares += v * v
                }
            }
            let n = Double(max(data.count * plane, 1))
            let m = sum / n
            mean.append(Float(m))
            std.append(Float(max(sumSquares / n - m * m, 1e-12).squareRoot()))
        }
        self.mean = mean
        self.std = std
    }

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// `(x − mean) / std` per channel, in place.
    public func normalise(_ data: inout ShapesDataset) {
        let plane = data.size * data.size
        let channels = data.channels, count = data.count, stride = data.imageStride
        data.images.withUnsafeMutableBufferPointer { p in
            for i in 0..<count {
                for c in 0..<channels {
                    let m = mean[c], inv = 1 / std[c]
                    let base = i * stride + c * plane
                    for k in 0..<plane { p[base + k] = (p[base + k] - m) * inv }
                }
            }
        }
    }
}

import Autograd
import Foundation
import Imaging

/// The principal components of small image patches: what a first-layer kernel sees, and
/// why the retina matters (docs/DESIGN.md §4.6).
///
/// Gradient descent on a linear first layer is pulled hardest along the patches' directions
/// of largest variance. For the raw shapes the top three are flat colour (one per colour
/// axis) and hold almost 90 % of the variance; behind the centre-surround retina the flat
/// colour is mostly gone and the leading components are edges and gratings at every
/// orientation, with no single winner.
public struct PatchStatistics {
    /// Eigenvalues of the patch covariance, largest first, as shares of the total variance.
    public var varianceShares: [Double]
    /// The leading principal components, each `[channels, k, k]` (unit length).
    public var components: [[Float]]
    public let channels: Int
    public let size: Int

    /// Samples `patchesPerImage` random `k × k` patches of every image (seeded), centres them
    /// and diagonalises their covariance; keeps the first `keep` components.
    public init(_ data: ShapesDataset, size k: Int = 7, patchesPerImage: Int = 8, keep: Int = 8, seed: UInt64 = 0) {
        precondition(k <= data.size, "PatchStatistics: patches larger than the images")
        channels = data.channels
        size = k
        let dimension = data.channels * k * k, plane = data.size * data.size
        var rng = SeededRandom(seed: seed ^ 0x5041_5443_48)  // "PATCH"
        var mean = [Double](repeating: 0, count: dimension)
        var covariance = [Double](repeating: 0, count: dimension * dimension)
        var patch = [Double](repeating: 0, count: dimension)
        var count = 0
        for i in 0..<data.count {
            for _ in 0..<patchesPerImage {
                let y = rng.nextInt(below: data.size - k + 1), x = rng.nextInt(below: data.size - k + 1)
                for c in 0..<data.channels {
                    for dy in 0..<k {
                        for dx in 0..<k {
                            patch[(c * k + dy) * k + dx] = Double(data.images[i * data.imageStride + c * plane + (y + dy) * data.size + x + dx])
                        }
                    }
                }
                for a in 0..<dimension {
                    mean[a] += patch[a]
                    let pa = patch[a]
                    for b in a..<dimension { covariance[a * dimension + b] += pa * patch[b] }
                }
                count += 1
            }
        }
        let n = Double(max(count, 1))
        for a in 0..<dimension { mean[a] /= n }
        for a in 0..<dimension {
            for b in a..<dimension {
                let value = covariance[a * dimension + b] / n - mean[a] * mean[b]
                covariance[a * dimension + b] = value
                covariance[b * dimension + a] = value
            }
        }
        let (values, vectors) = symmetricEigen(covariance, size: dimension)
        let order = values.indices.sorted { values[$0] > values[$1] }
        let total = max(values.reduce(0) { $0 + max($1, 0) }, 1e-300)
        varianceShares = order.map { max(values[$0], 0) / total }
        components = order.prefix(keep).map { j in (0..<dimension).map { Float(vectors[$0 * dimension + j]) } }
    }

    /// The share of the variance in the first `count` components.
    public func share(ofFirst count: Int) -> Double { varianceShares.prefix(count).reduce(0, +) }

    /// One row of the components, each drawn as 0.5 + 0.5·v/max|v| (RGB, mid-grey = 0) with
    /// its share of the variance, after a label.
    public func row(label: String) -> Image {
        let tiles = components.flatMap { v -> [Float] in
            let m = max(v.map(abs).max() ?? 1, 1e-12)
            return v.map { 0.5 + 0.5 * $0 / m }
        }
        let captions = varianceShares.prefix(components.count).map { String(format: "%.1f %%", 100 * $0) }
        let grid = ImageGrid(columns: components.count, padding: 6, padColor: .white, scaling: .none,
                             upscale: max(4, 56 / size), captions: captions, captionScale: 1)
            .render(tiles, shape: [components.count, channels == 3 ? 3 : 1, size, size])
        let title = String(format: "%@: the first 3 components hold %.0f %% of the variance", label, 100 * share(ofFirst: 3))
        return Figure.titled(grid, title, scale: 1)
    }
}

/// Eigenvalues and eigenvectors (columns of a row-major `m × m` matrix) of a symmetric
/// matrix by cyclic Jacobi rotations, in Double: slow for large m, exact enough, and ours.
func symmetricEigen(_ matrix: [Double], size m: Int) -> (values: [Double], vectors: [Double]) {
    var a = matrix
    var v = [Double](repeating: 0, count: m * m)
    for i in 0..<m { v[i * m + i] = 1 }
    for _ in 0..<60 {
        var off = 0.0, diagonal = 0.0
        for p in 0..<m {
            diagonal += a[p * m + p] * a[p * m + p]
            for q in (p + 1)..<m { off += a[p * m + q] * a[p * m + q] }
        }
        if off <= 1e-24 * max(diagonal, 1e-300) { break }
        for p in 0..<(m - 1) {
            for q in (p + 1)..<m {
                let apq = a[p * m + q]
                if abs(apq) < 1e-300 { continue }
                let theta = (a[q * m + q] - a[p * m + p]) / (2 * apq)
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                // A ← Jᵀ A J on rows/columns p and q.
                for k in 0..<m {
                    let akp = a[k * m + p], akq = a[k * m + q]
                    a[k * m + p] = c * akp - s * akq
                    a[k * m + q] = s * akp + c * akq
                }
                for k in 0..<m {
                    let apk = a[p * m + k], aqk = a[q * m + k]
                    a[p * m + k] = c * apk - s * aqk
                    a[q * m + k] = s * apk + c * aqk
                }
                for k in 0..<m {
                    let vkp = v[k * m + p], vkq = v[k * m + q]
                    v[k * m + p] = c * vkp - s * vkq
                    v[k * m + q] = s * vkp + c * vkq
                }
            }
        }
    }
    return ((0..<m).map { a[$0 * m + $0] }, v)
}

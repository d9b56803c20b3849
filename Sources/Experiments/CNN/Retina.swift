import Autograd
import Foundation

/// The first stage of the cnn model's input path: what each image looks like by the time
/// it reaches conv1, before the per-channel normalisation.
///
/// Why it exists: the synthetic shapes are flat colour on flat colour, so most of the
/// variance of a 7×7×3 patch (about 89 % in the top three principal components) is the
/// patch's flat colour. Gradient descent on conv1 then follows that one dominant
/// direction, and every filter drifts onto the same winner: twelve phases of one
/// diagonal grating instead of a bank. A retina removes each image's flat colour and
/// low frequencies before the network sees it — edges, bars and corners pass, large
/// uniform areas do not — so no single direction dominates and the kernels spread over
/// orientations (the README shows both runs side by side).
public enum Retina: String, CaseIterable, Sendable {
    /// The image as drawn.
    case none
    /// Centre-surround, per channel: `x − λ·(G_σ ∗ x)` with λ = 0.8 and σ = 2 px, the blur
    /// renormalised at the border. It removes 80 % of the local mean and keeps 20 % of the
    /// flat colour, so colour still reaches the network (λ = 1, a pure high-pass, collapses
    /// back onto two diagonals).
    case centreSurround = "centre-surround"
    /// Per-image standardisation: each channel's image mean removed and divided by the
    /// image's standard deviation over all channels (floored at 0.05).
    case standardise

    /// The surround's weight λ and its Gaussian's σ in pixels.
    public static let surroundWeight: Float = 0.8
    public static let surroundSigma: Float = 2
    /// The smallest standard deviation `standardise` divides by (pixel values are in [0, 1]).
    public static let standardiseFloor: Float = 0.05

    /// A short description for help texts and the manifest.
    public var summary: String {
        switch self {
        case .none: "none (the image as drawn)"
        case .centreSurround: "centre-surround x − 0.8·(G_σ=2 ∗ x)"
        case .standardise: "per-image standardisation"
        }
    }

    /// Applies the stage to every image of `data` in place, images spread over the workers.
    public func apply(to data: inout ShapesDataset) {
        guard self != .none, data.count > 0 else { return }
        let (count, channels, side, stride) = (data.count, data.channels, data.size, data.imageStride)
        let filter = self
        data.images.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallelism.forEachChunk(count, minChunk: 32) { range in
                var workspace = RetinaWorkspace(side: side)
                for i in range { filter.apply(base + i * stride, channels: channels, side: side, workspace: &workspace) }
            }
        }
    }

    /// Applies the stage to one image `[channels, side, side]` in place.
    public func apply(_ image: UnsafeMutablePointer<Float>, channels: Int, side: Int) {
        var workspace = RetinaWorkspace(side: side)
        apply(image, channels: channels, side: side, workspace: &workspace)
    }

    private func apply(_ image: UnsafeMutablePointer<Float>, channels: Int, side: Int, workspace: inout RetinaWorkspace) {
        let plane = side * side
        switch self {
        case .none:
            return
        case .centreSurround:
            for c in 0..<channels {
                workspace.subtractSurround(image + c * plane, weight: Retina.surroundWeight)
            }
        case .standardise:
            let all = UnsafeMutableBufferPointer(start: image, count: channels * plane)
            var sumSquares = 0.0
            for c in 0..<channels {
                let channel = UnsafeMutableBufferPointer(rebasing: all[(c * plane)..<((c + 1) * plane)])
                let mean = Float(channel.reduce(0.0) { $0 + Double($1) } / Double(plane))
                for p in channel.indices {
                    channel[p] -= mean
                    sumSquares += Double(channel[p] * channel[p])
                }
            }
            let std = max(Float((sumSquares / Double(channels * plane)).squareRoot()), Retina.standardiseFloor)
            let inverse = 1 / std
            for p in all.indices { all[p] *= inverse }
        }
    }
}

/// The buffers and taps of the centre-surround blur for one image side: a separable
/// Gaussian (radius ⌈3σ⌉) with zero padding, divided by the same blur of an all-ones image,
/// so pixels near the border average only over the pixels that exist.
///
/// Both passes run tap by tap over whole contiguous rows (`out[x] += t·in[x + d]`), which the
/// compiler vectorises; the zero padding lives in the buffers, so there are no branches.
struct RetinaWorkspace {
    let side: Int
    let radius: Int
    /// Gaussian taps, `[2r + 1]`, summing to 1.
    let taps: [Float]
    /// Σ of the taps that fall inside the image, per position along one axis `[side]`;
    /// the 2-D normaliser is the product of two of them.
    let inside: [Float]
    /// One row with `radius` zeros either side `[side + 2r]`.
    var paddedRow: [Float]
    /// The horizontally blurred plane with `radius` zero rows above and below `[(side + 2r), side]`.
    var rows: [Float]
    /// One output row `[side]`.
    var sum: [Float]

    init(side: Int, sigma: Float = Retina.surroundSigma) {
        self.side = side
        let radius = Int((3 * sigma).rounded(.up))
        self.radius = radius
        var taps = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = taps.reduce(0, +)
        taps = taps.map { $0 / total }
        self.taps = taps
        inside = (0..<side).map { i in
            (-radius...radius).reduce(Float(0)) { sum, d in (0..<side).contains(i + d) ? sum + taps[d + radius] : sum }
        }
        paddedRow = [Float](repeating: 0, count: side + 2 * radius)
        rows = [Float](repeating: 0, count: (side + 2 * radius) * side)
        sum = [Float](repeating: 0, count: side)
    }

    /// `plane ← plane − weight · blur(plane)`, the blur border-renormalised.
    mutating func subtractSurround(_ plane: UnsafeMutablePointer<Float>, weight: Float) {
        let n = side, r = radius, tapCount = taps.count
        taps.withUnsafeBufferPointer { taps in
            inside.withUnsafeBufferPointer { inside in
                paddedRow.withUnsafeMutableBufferPointer { padded in
                    rows.withUnsafeMutableBufferPointer { rows in
                        sum.withUnsafeMutableBufferPointer { sum in
                            let padded = padded.baseAddress!, rows = rows.baseAddress!, sum = sum.baseAddress!
                            // Horizontal pass into rows r ..< r + n of `rows` (the others stay zero).
                            for y in 0..<n {
                                (padded + r).update(from: plane + y * n, count: n)
                                let out = rows + (y + r) * n
                                out.update(repeating: 0, count: n)
                                for t in 0..<tapCount {
                                    let tap = taps[t], source = padded + t
                                    for x in 0..<n { out[x] += tap * source[x] }
                                }
                            }
                            // Vertical pass, normalised, subtracted from the plane.
                            for y in 0..<n {
                                sum.update(repeating: 0, count: n)
                                for t in 0..<tapCount {
                                    let tap = taps[t], source = rows + (y + t) * n
                                    for x in 0..<n { sum[x] += tap * source[x] }
                                }
                                let across = inside[y], target = plane + y * n
                                for x in 0..<n { target[x] -= weight * sum[x] / (inside[x] * across) }
                            }
                        }
                    }
                }
            }
        }
    }
}

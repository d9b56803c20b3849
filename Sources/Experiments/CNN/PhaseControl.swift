import Autograd
import Foundation

/// docs/DESIGN.md §4's stricter control for "Gabor-like": each kernel against phase-randomised
/// copies of itself.
///
/// A copy keeps the kernel's power spectrum exactly (so its smoothness, dominant frequency
/// and orientation statistics) but scrambles the phases, which destroys localisation. R²
/// rewards smoothness whether or not the kernel is localised; a kernel that fits a Gabor
/// better than nearly all of its copies (their 95th percentile) owes its fit to structure, not to its spectrum.
public struct PhaseControl {
    /// One kernel against its copies.
    public struct Kernel {
        /// The kernel's own Gabor R².
        public var r2: Double
        /// R² of each phase-randomised copy.
        public var controlR2: [Double]
        /// The copies' 95th-percentile R² (linear interpolation).
        public var threshold: Double { GaborSummary.quantile(controlR2, PhaseControl.percentile) }
        /// Whether the kernel's R² exceeds the copies' 95th percentile.
        public var beatsControl: Bool { r2 > threshold }
    }

    /// The quantile of the copies' R² a kernel must exceed.
    public static let percentile = 0.95

    public var kernels: [Kernel]
    /// Copies per kernel.
    public var copies: Int
    /// Fraction of kernels that beat their copies.
    public var fraction: Double {
        Double(kernels.filter(\.beatsControl).count) / Double(max(kernels.count, 1))
    }

    /// Fits `copies` phase-randomised copies of each kernel of `summary` (its luminance slices),
    /// kernels spread over the worker threads; deterministic for a `seed`.
    public init(summary: GaborSummary, size k: Int, copies: Int = 20, seed: UInt64, fitter: GaborFitter) {
        self.copies = copies
        var results = [Kernel?](repeating: nil, count: summary.kernels.count)
        results.withUnsafeMutableBufferPointer { slots in
            Parallelism.forEachChunk(summary.kernels.count) { range in
                for i in range {
                    var rng = SeededRandom(seed: seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
                    let kernel = summary.kernels[i]
                    let r2s = (0..<copies).map { _ in
                        fitter.analyse(PhaseControl.phaseRandomised(kernel.luma, size: k, rng: &rng), size: k).r2
                    }
                    slots[i] = Kernel(r2: kernel.analysis.r2, controlR2: r2s)
                }
            }
        }
        kernels = results.map { $0! }
    }

    /// `gabor_control.csv`: per kernel its R², the copies' median, 95th-percentile and largest
    /// R², and the verdict.
    public var csv: String {
        var lines = ["kernel,r2,control_r2_median,control_r2_p95,control_r2_max,beats_control"]
        for (i, k) in kernels.enumerated() {
            lines.append(String(format: "%d,%.4f,%.4f,%.4f,%.4f,%d", i, k.r2, GaborSummary.quantile(k.controlR2, 0.5),
                                k.threshold, k.controlR2.max() ?? .nan, k.beatsControl ? 1 : 0))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A k×k real kernel with the same DFT magnitudes as `kernel` and random phases
    /// (Hermitian-symmetric, so the result is real; self-conjugate bins such as DC keep
    /// their value, so the mean is kept).
    public static func phaseRandomised(_ kernel: [Float], size k: Int, rng: inout SeededRandom) -> [Float] {
        precondition(kernel.count == k * k, "phaseRandomised: \(kernel.count) values for a \(k)×\(k) kernel")
        var cosT = [Double](repeating: 0, count: k), sinT = cosT
        for t in 0..<k {
            cosT[t] = cos(2 * .pi * Double(t) / Double(k))
            sinT[t] = sin(2 * .pi * Double(t) / Double(k))
        }
        // Forward DFT: X[v][u] = Σ x[y][x] e^{-2πi(ux + vy)/k}.
        var re = [Double](repeating: 0, count: k * k), im = re
        for v in 0..<k {
            for u in 0..<k {
                var r = 0.0, s = 0.0
                for y in 0..<k {
                    for x in 0..<k {
                        let t = (u * x + v * y) % k
                        r += Double(kernel[y * k + x]) * cosT[t]
                        s -= Double(kernel[y * k + x]) * sinT[t]
                    }
                }
                re[v * k + u] = r
                im[v * k + u] = s
            }
        }
        // New phases, one per conjugate pair.
        var newRe = re, newIm = im
        for v in 0..<k {
            for u in 0..<k {
                let (cu, cv) = ((k - u) % k, (k - v) % k)
                let index = v * k + u, partner = cv * k + cu
                if index == partner { continue }          // real bin: keep it
                if partner < index { continue }           // set together with its partner
                let magnitude = (re[index] * re[index] + im[index] * im[index]).squareRoot()
                let phase = 2 * Double.pi * rng.nextDouble()
                newRe[index] = magnitude * cos(phase)
                newIm[index] = magnitude * sin(phase)
                newRe[partner] = newRe[index]
                newIm[partner] = -newIm[index]
            }
        }
        // Inverse DFT, real part (the imaginary part is zero up to rounding).
        var out = [Float](repeating: 0, count: k * k)
        for y in 0..<k {
            for x in 0..<k {
                var r = 0.0
                for v in 0..<k {
                    for u in 0..<k {
                        let t = (u * x + v * y) % k
                        r += newRe[v * k + u] * cosT[t] - newIm[v * k + u] * sinT[t]
                    }
                }
                out[y * k + x] = Float(r / Double(k * k))
            }
        }
        return out
    }
}

import Autograd
import Foundation

/// The Gabor analysis of every first-layer kernel, and the statistics `metrics.csv` keeps.
public struct GaborSummary {
    /// One analysed kernel.
    public struct Kernel {
        /// The kernel's luminance slice (mean over input channels), k×k row-major.
        public var luma: [Float]
        public var analysis: GaborAnalysis
        /// Chromatic energy / total energy: 0 for a kernel equal in every channel.
        public var colourIndex: Double
        /// L2 norm of the kernel's weights over every input channel.
        public var norm: Double
        /// The nearest textbook filter (sign-invariant cosine) and that cosine.
        public var nearestFilter: String
        public var similarity: Double
    }

    public var kernels: [Kernel]
    public var r2Median: Double
    /// Interquartile range of R².
    public var r2IQR: Double
    public var osiMedian: Double
    /// Fraction of kernels labelled `gabor`.
    public var gaborFraction: Double
    public var colourIndexMedian: Double
    /// How the oriented kernels' preferred orientations spread, and the weak filters.
    public var spread: OrientationSpread

    /// Analyses conv1 weights `[out, in, k, k]`, kernels spread over the worker threads.
    public init(kernels weight: Tensor, fitter: GaborFitter) {
        precondition(weight.rank == 4 && weight.shape[2] == weight.shape[3], "GaborSummary: conv weights must be [out, in, k, k]")
        let (out, channels, k) = (weight.shape[0], weight.shape[1], weight.shape[2])
        let bank = ClassicalFilterBank(size: k)
        let plane = k * k
        var results = [Kernel?](repeating: nil, count: out)
        let data = weight.data
        results.withUnsafeMutableBufferPointer { slots in
            Parallelism.forEachChunk(out) { range in
                for o in range {
                    var luma = [Float](repeating: 0, count: plane)
                    for c in 0..<channels {
                        for p in 0..<plane { luma[p] += data[(o * channels + c) * plane + p] / Float(channels) }
                    }
                    var total = 0.0, chromatic = 0.0
                    for c in 0..<channels {
                        for p in 0..<plane {
                            let v = Double(data[(o * channels + c) * plane + p])
                            total += v * v
                            chromatic += (v - Double(luma[p])) * (v - Double(luma[p]))
                        }
                    }
                    let nearest = bank.nearest(to: luma)
                    slots[o] = Kernel(luma: luma, analysis: fitter.analyse(luma, size: k),
                                      colourIndex: total > 0 ? chromatic / total : 0, norm: total.squareRoot(),
                                      nearestFilter: nearest.filter.name, similarity: nearest.similarity)
                }
            }
        }
        kernels = results.map { $0! }
        let r2 = kernels.map(\.analysis.r2)
        r2Median = GaborSummary.quantile(r2, 0.5)
        r2IQR = GaborSummary.quantile(r2, 0.75) - GaborSummary.quantile(r2, 0.25)
        osiMedian = GaborSummary.quantile(kernels.map(\.analysis.osi), 0.5)
        gaborFraction = Double(kernels.filter { $0.analysis.label == .gabor }.count) / Double(max(out, 1))
        colourIndexMedian = GaborSummary.quantile(kernels.map(\.colourIndex), 0.5)
        spread = OrientationSpread(orientations: kernels.map(\.analysis.orientation), osi: kernels.map(\.analysis.osi),
                                   norms: kernels.map(\.norm))
    }

    /// Linear-interpolated quantile (NumPy's default).
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted()
        let position = q * Double(s.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, s.count - 1)
        return s[lower] + (s[upper] - s[lower]) * (position - Double(lower))
    }

    /// `gabor.csv`: one row per kernel.
    public var csv: String {
        var lines = ["kernel,r2,osi,hf,theta,freq,sigma_x,sigma_y,label,colour_index,nearest_filter,similarity,"
                     + "orientation,norm,weak"]
        let weak = Set(spread.weak)
        for (i, k) in kernels.enumerated() {
            let a = k.analysis, f = a.fit
            lines.append(String(format: "%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%@,%.4f,%@,%.4f,%.1f,%.4f,%d",
                                i, a.r2, a.osi, a.highFrequencyFraction, f.theta, f.frequency, f.sigmaX, f.sigmaY,
                                a.label.rawValue, k.colourIndex, k.nearestFilter, k.similarity,
                                a.orientation * 180 / .pi, k.norm, weak.contains(i) ? 1 : 0))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

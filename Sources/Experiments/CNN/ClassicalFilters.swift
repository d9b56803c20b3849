import Foundation

/// A bank of textbook filters of one size, to name the one a learned kernel is closest to.
///
/// The bank holds first-order Gaussian derivatives (Sobel-like edge detectors) at 8
/// orientations, Gabors at 8 orientations × 3 wavelengths × 2 phases (even and odd), a
/// Laplacian of Gaussian / difference of Gaussians (centre–surround) at two scales, and a
/// Gaussian blob at two scales. Similarity is the absolute cosine between the flattened
/// kernel and filter, so a filter and its negative count as the same detector.
public struct ClassicalFilterBank {
    /// One filter of the bank.
    public struct Filter {
        /// A short human name, e.g. `"gabor θ=45° λ=4 odd"`.
        public var name: String
        /// The family: `edge`, `gabor`, `center-surround` or `blob`.
        public var family: String
        /// k×k values, row-major, unit L2 norm.
        public var values: [Double]
    }

    /// The kernel side.
    public let size: Int
    /// Every filter of the bank.
    public let filters: [Filter]

    /// Builds the bank for k×k kernels.
    public init(size k: Int) {
        self.size = k
        let centre = Double(k - 1) / 2
        var filters: [Filter] = []
        func add(_ name: String, _ family: String, _ f: (Double, Double) -> Double) {
            var values = [Double]()
            for y in 0..<k { for x in 0..<k { values.append(f(Double(x) - centre, Double(y) - centre)) } }
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return }
            filters.append(Filter(name: name, family: family, values: values.map { $0 / norm }))
        }
        let edgeSigma = Double(k) / 5
        for step in 0..<8 {
            let theta = Double(step) * .pi / 8
            let degrees = Int((theta * 180 / .pi).rounded())
            add("edge θ=\(degrees)°", "edge") { x, y in
                let u = x * cos(theta) + y * sin(theta)
                return -u * exp(-(x * x + y * y) / (2 * edgeSigma * edgeSigma))
            }
        }
        for step in 0..<8 {
            let theta = Double(step) * .pi / 8
            let degrees = Int((theta * 180 / .pi).rounded())
            for wavelength in [3.0, 4.0, 6.0] {
                let sigma = 0.5 * wavelength
                for (phaseName, phase) in [("even", 0.0), ("odd", Double.pi / 2)] {
                    add("gabor θ=\(degrees)° λ=\(Int(wavelength)) \(phaseName)", "gabor") { x, y in
                        let u = x * cos(theta) + y * sin(theta)
                        return exp(-(x * x + y * y) / (2 * sigma * sigma)) * cos(2 * .pi * u / wavelength + phase)
                    }
                }
            }
        }
        for (label, inner) in [("small", Double(k) / 8), ("large", Double(k) / 5)] {
            let outer = 1.6 * inner
            add("center-surround \(label)", "center-surround") { x, y in
                let r2 = x * x + y * y
                return exp(-r2 / (2 * inner * inner)) / (inner * inner) - exp(-r2 / (2 * outer * outer)) / (outer * outer)
            }
        }
        for (label, sigma) in [("small", Double(k) / 6), ("large", Double(k) / 3)] {
            add("blob \(label)", "blob") { x, y in exp(-(x * x + y * y) / (2 * sigma * sigma)) }
        }
        self.filters = filters
    }

    /// The filter with the largest |cosine| to `kernel` (k×k, row-major), and that value.
    public func nearest(to kernel: [Float]) -> (filter: Filter, similarity: Double) {
        precondition(kernel.count == size * size, "ClassicalFilterBank: \(kernel.count) values for \(size)×\(size)")
        let norm = kernel.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        var best = (index: 0, similarity: -1.0)
        for (index, filter) in filters.enumerated() {
            var dot = 0.0
            for i in 0..<kernel.count { dot += Double(kernel[i]) * filter.values[i] }
            let similarity = norm > 0 ? abs(dot) / norm : 0
            if similarity > best.similarity { best = (index, similarity) }
        }
        return (filters[best.index], best.similarity)
    }
}

import Autograd

extension Benchmarks {
    /// Milliseconds per 7×7 kernel for the Gabor analysis (20 Levenberg–Marquardt starts and
    /// the spectrum), on one thread: (white-noise kernels, noisy Gabors). Noise is the slow case
    /// (no start converges early): an untrained conv1, and every phase-randomised copy.
    /// Also returns a checksum of the fitted R² values, so a faster fitter can be checked to
    /// give the same fits.
    public static func gaborAnalysis(kernels: Int = 16, repeats: Int) -> (noiseMs: Double, gaborMs: Double, checksum: Double) {
        var rng = SeededRandom(seed: 6)
        let noise = (0..<kernels).map { _ in (0..<49).map { _ in rng.nextNormal() } }
        let gabors = (0..<kernels).map { i -> [Float] in
            let clean = GaborParameters(amplitude: 1, x0: 3, y0: 3, theta: Double(i) * .pi / Double(kernels), sigmaX: 1.6,
                                        sigmaY: 2, frequency: 0.18, phase: Double(i), offset: 0).rendered(size: 7)
            return clean.map { Float($0) + 0.25 * rng.nextNormal() }
        }
        let fitter = GaborFitter()
        var checksum = 0.0
        func time(_ set: [[Float]]) -> Double {
            var times: [Double] = []
            for r in 0...repeats {
                var sum = 0.0
                let t = seconds { for kernel in set { sum += fitter.analyse(kernel, size: 7).r2 } }
                if r > 0 { times.append(t * 1e3 / Double(set.count)) } else { checksum += sum }
            }
            return median(times)
        }
        return (time(noise), time(gabors), checksum)
    }
}

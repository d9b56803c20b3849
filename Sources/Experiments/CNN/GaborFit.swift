import Autograd
import Foundation

/// A 2-D Gabor function's parameters, in kernel pixel coordinates (x to the right,
/// y down, pixel centres at integers 0…k−1).
///
/// g(x, y) = A · exp(−x′²/2σx² − y′²/2σy²) · cos(2πf·x′ + φ) + c, with
/// x′ = (x−x0)cosθ + (y−y0)sinθ and y′ = −(x−x0)sinθ + (y−y0)cosθ.
public struct GaborParameters: Equatable {
    public var amplitude: Double
    public var x0: Double, y0: Double
    /// Orientation of the carrier's wave vector, radians in [0, π).
    public var theta: Double
    /// Envelope widths along and across the carrier, pixels.
    public var sigmaX: Double, sigmaY: Double
    /// Carrier frequency, cycles per pixel.
    public var frequency: Double
    /// Carrier phase, radians.
    public var phase: Double
    /// Constant offset.
    public var offset: Double

    public init(amplitude: Double, x0: Double, y0: Double, theta: Double, sigmaX: Double, sigmaY: Double,
                frequency: Double, phase: Double, offset: Double) {
        self.amplitude = amplitude; self.x0 = x0; self.y0 = y0; self.theta = theta
        self.sigmaX = sigmaX; self.sigmaY = sigmaY; self.frequency = frequency
        self.phase = phase; self.offset = offset
    }

    /// The function's value at pixel (x, y).
    public func value(x: Double, y: Double) -> Double {
        let dx = x - x0, dy = y - y0
        let c = cos(theta), s = sin(theta)
        let xp = dx * c + dy * s, yp = -dx * s + dy * c
        let envelope = exp(-xp * xp / (2 * sigmaX * sigmaX) - yp * yp / (2 * sigmaY * sigmaY))
        return amplitude * envelope * cos(2 * .pi * frequency * xp + phase) + offset
    }

    /// The function sampled on a k×k grid, row-major.
    public func rendered(size k: Int) -> [Double] {
        var out = [Double](repeating: 0, count: k * k)
        for y in 0..<k { for x in 0..<k { out[y * k + x] = value(x: Double(x), y: Double(y)) } }
        return out
    }

    fileprivate var vector: [Double] {
        [amplitude, x0, y0, theta, sigmaX, sigmaY, frequency, phase, offset]
    }

    fileprivate init(_ v: [Double]) {
        self.init(amplitude: v[0], x0: v[1], y0: v[2], theta: v[3], sigmaX: v[4], sigmaY: v[5],
                  frequency: v[6], phase: v[7], offset: v[8])
    }
}

/// How a kernel is classified from its Gabor fit and orientation selectivity.
public enum GaborLabel: String, CaseIterable {
    /// R² ≥ 0.7 and OSI ≥ 0.4: a localised, oriented, band-pass filter.
    case gabor
    /// R² ≥ 0.7 and OSI < 0.2: smooth but unoriented (a colour or luminance blob).
    case blob
    /// Anything else (noise, or smooth but weakly oriented).
    case other
}

/// The Gabor analysis of one k×k kernel (docs/DESIGN.md §4).
public struct GaborAnalysis {
    /// The best fit over every start.
    public var fit: GaborParameters
    /// Coefficient of determination of the fit, 1 − SSE/SST.
    public var r2: Double
    /// Orientation selectivity index of the zero-padded power spectrum, in [0, 1].
    public var osi: Double
    /// Fraction of spectral power above 0.25 cycles/px (DC excluded).
    public var highFrequencyFraction: Double
    /// Preferred orientation, radians in [0, π): half the angle of Σ P·e^{2iθ} over the
    /// spectrum OSI reads, θ the angle of each frequency vector (x right, y down). It is the
    /// direction of the wave vector, across the stripes: 0 for vertical stripes.
    public var orientation: Double
    /// `gabor`, `blob` or `other`.
    public var label: GaborLabel
}

/// Fits 2-D Gabor functions to small kernels by Levenberg–Marquardt from many starts,
/// and measures orientation selectivity, exactly as docs/DESIGN.md §4 defines them.
///
/// Starts: the power spectrum's peak orientation and frequency × 4 phases; 4
/// orientations × 2 phases at the peak frequency; 8 seeded random starts — 20 in all.
/// Bounds: centre within the kernel, σx, σy ∈ [0.5, k], f ∈ [1/(2k), 0.5] cycles/px;
/// steps are projected onto them.
public struct GaborFitter {
    /// The seed of the random starts (the same kernel always gets the same fit).
    public var seed: UInt64 = 0x6ABD
    /// Iteration cap per start. 30 rather than 100: on the default run's kernels the fits'
    /// R² moved by at most 0.003 (trained) and 0.01 (noise at epoch 0), and the Gabor
    /// analysis took a third of the time.
    public var maxIterations = 30
    /// Side of the zero-padded spectrum grid.
    public var spectrumSize = 32

    public init() {}

    /// Analyses a k×k kernel given row-major.
    public func analyse(_ kernel: [Float], size k: Int) -> GaborAnalysis {
        precondition(kernel.count == k * k && k >= 2, "GaborFitter: \(kernel.count) values for a \(k)×\(k) kernel")
        let values = kernel.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let sst = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let spectrum = PowerSpectrum(values, size: k, padded: spectrumSize)
        guard sst > 1e-20 else {
            let flat = GaborParameters(amplitude: 0, x0: Double(k - 1) / 2, y0: Double(k - 1) / 2, theta: 0,
                                       sigmaX: 1, sigmaY: 1, frequency: 1 / Double(2 * k), phase: 0, offset: mean)
            return GaborAnalysis(fit: flat, r2: 0, osi: 0, highFrequencyFraction: 0, orientation: 0, label: .other)
        }
        // Fit a unit-variance copy: the same R², better conditioning.
        let scale = (sst / Double(values.count)).squareRoot()
        let target = values.map { ($0 - mean) / scale }

        var best: (params: [Double], sse: Double)? = nil
        for start in starts(size: k, target: target, spectrum: spectrum) {
            let result = levenbergMarquardt(start, target: target, size: k)
            if best == nil || result.sse < best!.sse { best = result }
        }
        var p = GaborParameters(best!.params)
        // Back to the kernel's units, with a canonical orientation and phase.
        p.amplitude *= scale
        p.offset = p.offset * scale + mean
        if p.amplitude < 0 { p.amplitude = -p.amplitude; p.phase += .pi }
        p.theta = p.theta.truncatingRemainder(dividingBy: 2 * .pi)
        if p.theta < 0 { p.theta += 2 * .pi }
        if p.theta >= .pi { p.theta -= .pi; p.phase = -p.phase }  // cos is even: flip x′ and φ together
        p.phase = atan2(sin(p.phase), cos(p.phase))
        let r2 = 1 - best!.sse / Double(values.count)  // the target has SST = n
        let label: GaborLabel = r2 >= 0.7 ? (spectrum.osi >= 0.4 ? .gabor : spectrum.osi < 0.2 ? .blob : .other) : .other
        return GaborAnalysis(fit: p, r2: r2, osi: spectrum.osi, highFrequencyFraction: spectrum.highFrequencyFraction,
                             orientation: spectrum.preferredOrientation, label: label)
    }

    // MARK: - Starts

    private func starts(size k: Int, target: [Double], spectrum: PowerSpectrum) -> [[Double]] {
        let centre = Double(k - 1) / 2
        let sigma = Double(k) / 4
        let fMin = 1 / Double(2 * k)
        let peakFrequency = min(max(spectrum.peakFrequency, fMin), 0.5)
        let amplitude = target.map(abs).max() ?? 1
        var starts: [[Double]] = []
        for phase in [0, Double.pi / 2, Double.pi, 3 * Double.pi / 2] {
            starts.append([amplitude, centre, centre, spectrum.peakOrientation, sigma, sigma, peakFrequency, phase, 0])
        }
        for orientation in [0, Double.pi / 4, Double.pi / 2, 3 * Double.pi / 4] {
            for phase in [0, Double.pi / 2] {
                starts.append([amplitude, centre, centre, orientation, sigma, sigma, peakFrequency, phase, 0])
            }
        }
        var rng = SeededRandom(seed: seed)
        for _ in 0..<8 {
            let u = { rng.nextDouble() }
            starts.append([amplitude * (0.5 + u()), Double(k - 1) * u(), Double(k - 1) * u(), .pi * u(),
                           0.5 + (Double(k) / 2 - 0.5) * u(), 0.5 + (Double(k) / 2 - 0.5) * u(),
                           fMin + (0.5 - fMin) * u(), 2 * .pi * u(), 0])
        }
        return starts
    }

    // MARK: - Levenberg–Marquardt

    private func project(_ p: inout [Double], size k: Int) {
        p[1] = min(max(p[1], 0), Double(k - 1))
        p[2] = min(max(p[2], 0), Double(k - 1))
        p[4] = min(max(p[4], 0.5), Double(k))
        p[5] = min(max(p[5], 0.5), Double(k))
        p[6] = min(max(p[6], 1 / Double(2 * k)), 0.5)
    }

    /// Residuals g(p) − target and, when `jacobian` is given, ∂g/∂p (n × 9, row-major).
    ///
    /// Along a row x′ and y′ change by constants (cos θ, −sin θ), so the carrier's phase grows
    /// by a constant and the envelope's exponent by a term linear in x: the carrier is advanced
    /// by a fixed rotation and the envelope by a ratio that itself shrinks by a fixed factor.
    /// Each row then costs two `exp` and one `sin`/`cos` pair instead of three transcendentals
    /// per pixel (they were most of the fitting time). `GaborParameters.value` is the direct
    /// formula and the tests' oracle.
    func evaluate(_ p: [Double], target: [Double], size k: Int,
                  residuals: inout [Double], jacobian: UnsafeMutablePointer<Double>?) -> Double {
        let (a, x0, y0, theta, sx, sy, f, phi, c) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8])
        let ct = cos(theta), st = sin(theta)
        let twoPiF = 2 * Double.pi * f
        let (ax, ay) = (1 / (2 * sx * sx), 1 / (2 * sy * sy))     // exponent −ax·x′² − ay·y′²
        let stepCos = cos(twoPiF * ct), stepSin = sin(twoPiF * ct)  // the carrier's rotation per pixel
        let ratioStep = exp(-2 * (ax * ct * ct + ay * st * st))      // r(x+1) / r(x)
        var sse = 0.0
        for y in 0..<k {
            let dx0 = -x0, dy = Double(y) - y0
            var xp = dx0 * ct + dy * st, yp = -dx0 * st + dy * ct
            var e = exp(-ax * xp * xp - ay * yp * yp)
            // r = e(x+1)/e(x) = exp(−ax(2x′cosθ + cos²θ) − ay(−2y′sinθ + sin²θ)).
            var ratio = exp(-ax * (2 * xp * ct + ct * ct) - ay * (-2 * yp * st + st * st))
            var cs = cos(twoPiF * xp + phi), sn = sin(twoPiF * xp + phi)
            for x in 0..<k {
                let i = y * k + x
                let g = a * e * cs + c
                let r = g - target[i]
                residuals[i] = r
                sse += r * r
                if let j = jacobian?.advanced(by: i * 9) {
                    let gxp = a * e * (-cs * xp / (sx * sx) - sn * twoPiF)   // ∂g/∂x′
                    let gyp = a * e * cs * (-yp / (sy * sy))                // ∂g/∂y′
                    j[0] = e * cs
                    j[1] = -gxp * ct + gyp * st
                    j[2] = -gxp * st - gyp * ct
                    j[3] = gxp * yp - gyp * xp
                    j[4] = a * e * cs * xp * xp / (sx * sx * sx)
                    j[5] = a * e * cs * yp * yp / (sy * sy * sy)
                    j[6] = -a * e * sn * 2 * .pi * xp
                    j[7] = -a * e * sn
                    j[8] = 1
                }
                // One pixel to the right.
                xp += ct
                yp -= st
                e *= ratio
                ratio *= ratioStep
                (cs, sn) = (cs * stepCos - sn * stepSin, sn * stepCos + cs * stepSin)
            }
        }
        return sse
    }

    private func levenbergMarquardt(_ start: [Double], target: [Double], size k: Int) -> (params: [Double], sse: Double) {
        let n = k * k, m = 9
        var p = start
        project(&p, size: k)
        var residuals = [Double](repeating: 0, count: n)
        var trialResiduals = residuals
        var jacobian = [Double](repeating: 0, count: n * m)
        // A trial point is evaluated with its Jacobian, so an accepted step needs no second
        // evaluation: the buffers are swapped instead (the transcendentals dominate).
        var trialJacobian = jacobian
        var sse = jacobian.withUnsafeMutableBufferPointer {
            evaluate(p, target: target, size: k, residuals: &residuals, jacobian: $0.baseAddress)
        }
        var lambda = 1e-2
        var jtj = [Double](repeating: 0, count: m * m), jtr = [Double](repeating: 0, count: m)
        // Scratch for the damped system (factored in place) and the step; no allocation per trial.
        var system = jtj, step = jtr, trial = p
        for _ in 0..<maxIterations {
            // Normal equations JᵀJ and Jᵀr.
            for a in 0..<m {
                jtr[a] = 0
                for b in 0..<m { jtj[a * m + b] = 0 }
            }
            jacobian.withUnsafeBufferPointer { jacobian in
                residuals.withUnsafeBufferPointer { residuals in
                    jtj.withUnsafeMutableBufferPointer { jtj in
                        jtr.withUnsafeMutableBufferPointer { jtr in
                            let (j, r, h, g) = (jacobian.baseAddress!, residuals.baseAddress!, jtj.baseAddress!, jtr.baseAddress!)
                            for i in 0..<n {
                                let row = j + i * m
                                for a in 0..<m {
                                    let ja = row[a]
                                    g[a] += ja * r[i]
                                    for b in a..<m { h[a * m + b] += ja * row[b] }
                                }
                            }
                        }
                    }
                }
            }
            for a in 0..<m { for b in 0..<a { jtj[a * m + b] = jtj[b * m + a] } }

            var improved = false
            for _ in 0..<10 {
                for a in 0..<(m * m) { system[a] = jtj[a] }
                for a in 0..<m {
                    system[a * m + a] += lambda * max(jtj[a * m + a], 1e-9)
                    step[a] = -jtr[a]
                }
                guard solveSymmetric(&system, &step, size: m) else {
                    lambda *= 10
                    continue
                }
                for a in 0..<m { trial[a] = p[a] + step[a] }
                project(&trial, size: k)
                let trialSSE = trialJacobian.withUnsafeMutableBufferPointer {
                    evaluate(trial, target: target, size: k, residuals: &trialResiduals, jacobian: $0.baseAddress)
                }
                if trialSSE < sse {
                    let gain = sse - trialSSE
                    swap(&p, &trial)
                    sse = trialSSE
                    swap(&residuals, &trialResiduals)
                    swap(&jacobian, &trialJacobian)
                    lambda = max(lambda / 3, 1e-9)
                    improved = gain > 1e-10 * max(sse, 1e-12)
                    break
                }
                lambda *= 4
            }
            if !improved { break }
        }
        return (p, sse)
    }
}

/// Solves A x = b for a small symmetric positive-definite A by Cholesky, in place: `a`'s
/// lower triangle is overwritten by the factor L and `b` by x. Returns false (leaving both
/// partly overwritten) when A is not numerically positive definite.
func solveSymmetric(_ a: inout [Double], _ b: inout [Double], size m: Int) -> Bool {
    // Row i of L only reads rows < i of L and row i of A, so L can replace A row by row.
    for i in 0..<m {
        for j in 0...i {
            var s = a[i * m + j]
            for p in 0..<j { s -= a[i * m + p] * a[j * m + p] }
            if i == j {
                guard s > 1e-300 else { return false }
                a[i * m + i] = s.squareRoot()
            } else {
                a[i * m + j] = s / a[j * m + j]
            }
        }
    }
    for i in 0..<m {
        for p in 0..<i { b[i] -= a[i * m + p] * b[p] }
        b[i] /= a[i * m + i]
    }
    for i in stride(from: m - 1, through: 0, by: -1) {
        for p in (i + 1)..<m { b[i] -= a[p * m + i] * b[p] }
        b[i] /= a[i * m + i]
    }
    return true
}

// MARK: - Spectrum

/// The power spectrum of a kernel zero-padded to `padded × padded`, and the statistics
/// docs/DESIGN.md §4 reads from it, with DC left out: the kernel's mean is removed before
/// padding (and the zero-frequency bin skipped). Without that, a kernel's constant part —
/// a colour or brightness preference — leaks through the zero-padding into a sinc-shaped
/// cross of low-frequency power that says nothing about the kernel's orientation.
struct PowerSpectrum {
    /// OSI = |Σ P·e^{2iθ}| / Σ P, θ the angle of each frequency vector.
    var osi: Double
    /// Σ P over |f| > 0.25 cycles/px, divided by Σ P.
    var highFrequencyFraction: Double
    /// The strongest bin's frequency (cycles/px) and orientation (radians, [0, π)).
    var peakFrequency: Double
    var peakOrientation: Double
    /// Half the angle of Σ P·e^{2iθ}, radians in [0, π).
    var preferredOrientation: Double

    init(_ raw: [Double], size k: Int, padded n: Int) {
        let mean = raw.reduce(0, +) / Double(max(raw.count, 1))
        let kernel = raw.map { $0 - mean }
        // A direct DFT: k² inputs, n² outputs — small and exact enough.
        var cosTable = [Double](repeating: 0, count: n), sinTable = cosTable
        for t in 0..<n {
            cosTable[t] = cos(2 * .pi * Double(t) / Double(n))
            sinTable[t] = sin(2 * .pi * Double(t) / Double(n))
        }
        var total = 0.0, high = 0.0, re2 = 0.0, im2 = 0.0
        var peak = (power: -1.0, frequency: 0.0, orientation: 0.0)
        for v in 0..<n {
            for u in 0..<n where u != 0 || v != 0 {
                var re = 0.0, im = 0.0
                for y in 0..<k {
                    for x in 0..<k {
                        let t = (u * x + v * y) % n
                        re += kernel[y * k + x] * cosTable[t]
                        im -= kernel[y * k + x] * sinTable[t]
                    }
                }
                let power = re * re + im * im
                let fx = Double(u <= n / 2 ? u : u - n) / Double(n)
                let fy = Double(v <= n / 2 ? v : v - n) / Double(n)
                let angle = atan2(fy, fx)
                let radius = (fx * fx + fy * fy).squareRoot()
                total += power
                if radius > 0.25 { high += power }
                re2 += power * cos(2 * angle)
                im2 += power * sin(2 * angle)
                if power > peak.power {
                    var orientation = angle
                    if orientation < 0 { orientation += .pi }
                    if orientation >= .pi { orientation -= .pi }
                    peak = (power, radius, orientation)
                }
            }
        }
        osi = total > 0 ? (re2 * re2 + im2 * im2).squareRoot() / total : 0
        highFrequencyFraction = total > 0 ? high / total : 0
        peakFrequency = peak.frequency
        peakOrientation = peak.orientation
        var doubled = atan2(im2, re2)
        if doubled < 0 { doubled += 2 * .pi }
        preferredOrientation = min(doubled / 2, .pi.nextDown)
    }
}

import XCTest
@testable import Autograd
@testable import Experiments

/// The fitter against DESIGN.md §4's calibration (measured with an independent fitter
/// on 7×7 kernels): white noise R² median 0.32 (95th percentile 0.44), OSI 0.10–0.20;
/// Gabor plus noise at SNR 4 R² 0.84; blobs R² ≈ 1 with OSI ≈ 0.
final class GaborFitTests: XCTestCase {
    let fitter = GaborFitter()

    private func percentile(_ values: [Double], _ q: Double) -> Double {
        let s = values.sorted()
        return s[min(s.count - 1, Int(q * Double(s.count - 1) + 0.5))]
    }

    func testRecoversACleanGabor() {
        let truth = GaborParameters(amplitude: 1, x0: 3.2, y0: 2.8, theta: 0.7, sigmaX: 1.4, sigmaY: 2.0,
                                    frequency: 0.22, phase: 0.4, offset: 0.1)
        let kernel = truth.rendered(size: 7).map(Float.init)
        let result = fitter.analyse(kernel, size: 7)
        XCTAssertGreaterThan(result.r2, 0.999)
        XCTAssertEqual(result.fit.theta, 0.7, accuracy: 0.05)
        XCTAssertEqual(result.fit.frequency, 0.22, accuracy: 0.01)
        XCTAssertEqual(result.label, .gabor)
        XCTAssertGreaterThan(result.osi, 0.4)
    }

    func testWhiteNoiseScoresAtChance() {
        var rng = SeededRandom(seed: 11)
        var r2s: [Double] = [], osis: [Double] = []
        for _ in 0..<80 {
            let kernel = (0..<49).map { _ in rng.nextNormal() }
            let result = fitter.analyse(kernel, size: 7)
            r2s.append(result.r2)
            osis.append(result.osi)
        }
        let median = percentile(r2s, 0.5), p95 = percentile(r2s, 0.95)
        print("noise R² median \(median) p95 \(p95) OSI median \(percentile(osis, 0.5)) range \(percentile(osis, 0.1))–\(percentile(osis, 0.9))")
        XCTAssertEqual(median, 0.32, accuracy: 0.06, "noise R² median")
        XCTAssertEqual(p95, 0.44, accuracy: 0.08, "noise R² 95th percentile")
        let osiMedian = percentile(osis, 0.5)
        XCTAssertTrue((0.08...0.24).contains(osiMedian), "noise OSI median \(osiMedian)")
    }

    func testNoisyGaborsScoreAboutPointEightFour() {
        var rng = SeededRandom(seed: 12)
        var r2s: [Double] = []
        for _ in 0..<60 {
            let truth = GaborParameters(amplitude: 1, x0: 2.5 + 2 * rng.nextDouble(), y0: 2.5 + 2 * rng.nextDouble(),
                                        theta: .pi * rng.nextDouble(), sigmaX: 1 + rng.nextDouble(),
                                        sigmaY: 1.2 + rng.nextDouble(), frequency: 0.15 + 0.15 * rng.nextDouble(),
                                        phase: 2 * .pi * rng.nextDouble(), offset: 0)
            let clean = truth.rendered(size: 7)
            let mean = clean.reduce(0, +) / 49
            let signalVariance = clean.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 49
            let noiseStd = (signalVariance / 4).squareRoot()  // SNR 4 in power
            let kernel = clean.map { Float($0 + noiseStd * Double(rng.nextNormal())) }
            r2s.append(fitter.analyse(kernel, size: 7).r2)
        }
        print("noisy Gabor R² median \(percentile(r2s, 0.5))")
        XCTAssertEqual(percentile(r2s, 0.5), 0.84, accuracy: 0.06)
    }

    func testBlobsFitPerfectlyWithoutOrientation() {
        for sigma in [1.0, 1.5, 2.0] {
            var kernel = [Float]()
            for y in 0..<7 { for x in 0..<7 {
                let r2 = Double((x - 3) * (x - 3) + (y - 3) * (y - 3))
                kernel.append(Float(exp(-r2 / (2 * sigma * sigma))))
            } }
            let result = fitter.analyse(kernel, size: 7)
            XCTAssertGreaterThan(result.r2, 0.97, "blob σ \(sigma)")
            XCTAssertLessThan(result.osi, 0.05, "blob σ \(sigma)")
            XCTAssertEqual(result.label, .blob)
        }
    }

    func testFlatKernelIsOther() {
        let result = fitter.analyse([Float](repeating: 0.3, count: 49), size: 7)
        XCTAssertEqual(result.label, .other)
        XCTAssertEqual(result.r2, 0)
    }

    /// What OSI ideal patterns reach on a 7×7 support (the README's "OSI ceiling" table; numpy gives the
    /// same figures): a perfect edge detector tops out near 0.6, because a 7-pixel-long edge has a broad
    /// spectrum across its orientation; only gratings of several cycles (f ≥ 1/8) go clearly above.
    func testOSIOfIdealPatternsOnSevenBySeven() {
        func pattern(_ value: (Double, Double) -> Double) -> [Float] {
            var k = [Float]()
            for y in 0..<7 { for x in 0..<7 { k.append(Float(value(Double(x - 3), Double(y - 3)))) } }
            return k
        }
        let step = fitter.analyse(pattern { x, _ in x < 0 ? -1 : x > 0 ? 1 : 0 }, size: 7).osi
        let oddLow = fitter.analyse(pattern { x, y in exp(-(x * x + y * y) / 8) * sin(2 * .pi * 0.0714 * x) }, size: 7).osi
        let oddEighth = fitter.analyse(pattern { x, y in exp(-(x * x + y * y) / 8) * sin(2 * .pi * 0.125 * x) }, size: 7).osi
        let grating = fitter.analyse(pattern { x, y in exp(-(x * x + y * y) / 8) * cos(2 * .pi * 0.25 * x) }, size: 7).osi
        XCTAssertEqual(step, 0.564, accuracy: 0.01)
        XCTAssertEqual(oddLow, 0.577, accuracy: 0.01)
        XCTAssertEqual(oddEighth, 0.629, accuracy: 0.01)
        XCTAssertEqual(grating, 0.867, accuracy: 0.01)
    }
}

final class ClassicalFilterBankTests: XCTestCase {
    func testEveryFilterIsItsOwnNearestNeighbour() {
        let bank = ClassicalFilterBank(size: 7)
        XCTAssertEqual(bank.filters.count, 8 + 48 + 2 + 2)
        for filter in bank.filters {
            let negated = filter.values.map { Float(-3 * $0) }  // sign and scale do not matter
            let match = bank.nearest(to: negated)
            XCTAssertEqual(match.filter.name, filter.name)
            XCTAssertEqual(match.similarity, 1, accuracy: 1e-5)
        }
    }

    func testAVerticalStepMatchesAnOddDetectorAtZeroDegrees() {
        var kernel = [Float]()
        for _ in 0..<7 { for x in 0..<7 { kernel.append(x < 3 ? 1 : x == 3 ? 0 : -1) } }
        let match = ClassicalFilterBank(size: 7).nearest(to: kernel)
        XCTAssertTrue(match.filter.name.contains("θ=0°"), match.filter.name)
        XCTAssertTrue(match.filter.family == "edge" || match.filter.name.hasSuffix("odd"), match.filter.name)
    }

    func testASmoothHorizontalEdgeIsAnEdgeAtNinetyDegrees() {
        var kernel = [Float]()
        for y in 0..<7 { for x in 0..<7 {
            let (u, v) = (Double(x - 3), Double(y - 3))
            kernel.append(Float(v * exp(-(u * u + v * v) / (2 * 1.2 * 1.2))))
        } }
        let match = ClassicalFilterBank(size: 7).nearest(to: kernel)
        XCTAssertEqual(match.filter.name, "edge θ=90°")
        XCTAssertGreaterThan(match.similarity, 0.95)
    }
}

final class GaborSummaryProbe: XCTestCase {
    /// Prints the Gabor summary of a saved conv1.npy (set TRAINVIZ_CONV1_NPY); a tool for recipe work.
    func testSummaryOfSavedKernels() throws {
        guard let path = ProcessInfo.processInfo.environment["TRAINVIZ_CONV1_NPY"] else {
            throw XCTSkip("set TRAINVIZ_CONV1_NPY=/path/conv1.npy to print its Gabor summary")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let header = Int(data[8]) | Int(data[9]) << 8
        let floats = data.dropFirst(10 + header).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let w = Tensor(shape: [16, floats.count / (16 * 49), 7, 7], data: floats)
        let s = GaborSummary(kernels: w, fitter: GaborFitter())
        print(String(format: "R² %.3f OSI %.3f gabor %.2f", s.r2Median, s.osiMedian, s.gaborFraction))
        XCTAssertEqual(s.kernels.count, 16)
    }
}

final class GaborEvaluationTests: XCTestCase {
    /// The fitter's row-recurrence evaluation against the direct formula, and its Jacobian
    /// against central differences, over random parameters inside the bounds.
    func testRecurrenceMatchesTheDirectFormulaAndItsJacobianMatchesDifferences() {
        var rng = SeededRandom(seed: 12)
        let fitter = GaborFitter()
        for k in [3, 7, 11] {
            let target = [Double](repeating: 0, count: k * k)
            for _ in 0..<20 {
                let u = { rng.nextDouble() }
                let p = [2 * u() - 1, Double(k - 1) * u(), Double(k - 1) * u(), 2 * .pi * u(),
                         0.5 + (Double(k) - 0.5) * u(), 0.5 + (Double(k) - 0.5) * u(),
                         1 / Double(2 * k) + (0.5 - 1 / Double(2 * k)) * u(), 2 * .pi * u(), u() - 0.5]
                let direct = GaborParameters(amplitude: p[0], x0: p[1], y0: p[2], theta: p[3], sigmaX: p[4], sigmaY: p[5],
                                             frequency: p[6], phase: p[7], offset: p[8]).rendered(size: k)
                var residuals = target
                var jacobian = [Double](repeating: 0, count: k * k * 9)
                _ = jacobian.withUnsafeMutableBufferPointer {
                    fitter.evaluate(p, target: target, size: k, residuals: &residuals, jacobian: $0.baseAddress)
                }
                for i in 0..<(k * k) { XCTAssertEqual(residuals[i], direct[i], accuracy: 1e-12, "k \(k) pixel \(i)") }
                for q in 0..<9 {
                    var plus = p, minus = p
                    let h = 1e-6
                    plus[q] += h
                    minus[q] -= h
                    var rp = target, rm = target
                    _ = fitter.evaluate(plus, target: target, size: k, residuals: &rp, jacobian: nil)
                    _ = fitter.evaluate(minus, target: target, size: k, residuals: &rm, jacobian: nil)
                    for i in 0..<(k * k) {
                        XCTAssertEqual(jacobian[i * 9 + q], (rp[i] - rm[i]) / (2 * h), accuracy: 1e-5,
                                       "k \(k) parameter \(q) pixel \(i)")
                    }
                }
            }
        }
    }
}

import Foundation
import XCTest
@testable import Autograd
@testable import Experiments

final class PhaseControlTests: XCTestCase {
    /// |DFT|² of a k×k kernel, by the definition.
    private func power(_ x: [Float], _ k: Int) -> [Double] {
        var out = [Double]()
        for v in 0..<k {
            for u in 0..<k {
                var re = 0.0, im = 0.0
                for y in 0..<k {
                    for xx in 0..<k {
                        let a = 2 * Double.pi * Double(u * xx + v * y) / Double(k)
                        re += Double(x[y * k + xx]) * cos(a)
                        im -= Double(x[y * k + xx]) * sin(a)
                    }
                }
                out.append(re * re + im * im)
            }
        }
        return out
    }

    func testTheThresholdIsTheCopiesNinetyFifthPercentile() {
        let kernel = PhaseControl.Kernel(r2: 0.9, controlR2: (0..<20).map { Double($0) / 20 })  // 0, 0.05, …, 0.95
        // NumPy's linear interpolation: position 0.95 · 19 = 18.05 between 0.90 and 0.95.
        XCTAssertEqual(kernel.threshold, 0.9025, accuracy: 1e-12)
        XCTAssertFalse(kernel.beatsControl)
        XCTAssertTrue(PhaseControl.Kernel(r2: 0.91, controlR2: kernel.controlR2).beatsControl)
    }

    func testCopiesKeepThePowerSpectrumAndMeanButNotTheKernel() {
        var rng = SeededRandom(seed: 4)
        for k in [6, 7] {
            let kernel = (0..<(k * k)).map { _ in rng.nextNormal() + 0.3 }
            let copy = PhaseControl.phaseRandomised(kernel, size: k, rng: &rng)
            for (a, b) in zip(power(kernel, k), power(copy, k)) { XCTAssertEqual(a, b, accuracy: 1e-3 * max(1, a)) }
            XCTAssertEqual(copy.reduce(0, +), kernel.reduce(0, +), accuracy: 1e-3)
            let difference = zip(kernel, copy).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(difference, 0.1, "k=\(k): the copy should not be the kernel")
        }
    }

    func testACleanGaborBeatsItsCopiesAndNoiseDoesNotOften() throws {
        let gabor = GaborParameters(amplitude: 1, x0: 3, y0: 3, theta: 0.4, sigmaX: 1.5, sigmaY: 2,
                                    frequency: 0.2, phase: 0, offset: 0).rendered(size: 7).map(Float.init)
        var rng = SeededRandom(seed: 9)
        var weights = gabor
        for _ in 0..<7 { weights += (0..<49).map { _ in rng.nextNormal() } }
        let summary = GaborSummary(kernels: Tensor(shape: [8, 1, 7, 7], data: weights), fitter: GaborFitter())
        let control = PhaseControl(summary: summary, size: 7, seed: 1, fitter: GaborFitter())
        XCTAssertEqual(control.copies, 20)
        XCTAssertEqual(control.kernels[0].controlR2.count, 20)
        XCTAssertTrue(control.kernels[0].beatsControl, "\(control.kernels[0])")
        // A noise kernel is as likely as any of its 20 copies to fit best; beating their 95th
        // percentile (between the largest and the second largest) happens about 1 time in 14.
        let noiseWins = control.kernels.dropFirst().filter(\.beatsControl).count
        XCTAssertLessThanOrEqual(noiseWins, 3)
        XCTAssertTrue(control.csv.hasPrefix("kernel,r2,control_r2_median,control_r2_p95,control_r2_max,beats_control\n0,"))
        XCTAssertEqual(control.csv.split(separator: "\n").count, 9)
    }
}

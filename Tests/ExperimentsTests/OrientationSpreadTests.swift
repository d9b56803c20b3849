import Foundation
import XCTest
@testable import Autograd
@testable import Experiments

final class OrientationSpreadTests: XCTestCase {
    private func radians(_ degrees: Double) -> Double { degrees * .pi / 180 }

    func testOneOrientationHasResultantOneAndOneBin() {
        let spread = OrientationSpread(orientations: [radians(130), radians(131), radians(129)], osi: [0.7, 0.6, 0.5],
                                       norms: [1, 1, 1])
        XCTAssertEqual(spread.resultant, 1, accuracy: 1e-3)
        XCTAssertEqual(spread.binsCovered, 1)
        XCTAssertEqual(spread.binCounts, [0, 0, 0, 3])
        XCTAssertEqual(spread.weak, [])
    }

    func testFourEvenOrientationsCancel() {
        let spread = OrientationSpread(orientations: [0, 45, 90, 135].map(radians), osi: [0.8, 0.8, 0.8, 0.8],
                                       norms: [1, 1, 1, 1])
        XCTAssertEqual(spread.resultant, 0, accuracy: 1e-12)
        XCTAssertEqual(spread.binsCovered, 4)
    }

    func testOrientationsAreAxial() {
        // 179° and 1° are two degrees apart, not 178: the doubled angles almost coincide.
        let spread = OrientationSpread(orientations: [radians(179), radians(1)], osi: [0.5, 0.5], norms: [1, 1])
        XCTAssertEqual(spread.resultant, cos(radians(2)), accuracy: 1e-9)
        XCTAssertEqual(spread.binCounts, [2, 0, 0, 0])
    }

    func testOnlyOrientedKernelsCountAndWeakFiltersAreFound() {
        // The unoriented kernel at 90° (OSI 0.39) is left out of the resultant and the bins.
        let spread = OrientationSpread(orientations: [radians(10), radians(90), radians(12)], osi: [0.6, 0.39, 0.4],
                                       norms: [0.5, 0.2, 0.6])
        XCTAssertEqual(spread.oriented, [0, 2])
        XCTAssertEqual(spread.binsCovered, 1)
        XCTAssertEqual(spread.weak, [1], "0.2 is under half the median norm 0.5")
        XCTAssertTrue(OrientationSpread(orientations: [1], osi: [0.1], norms: [1]).resultant.isNaN, "no oriented kernel")
    }

    func testBinEdges() {
        XCTAssertEqual(OrientationSpread.bin(of: radians(22.4)), 0)
        XCTAssertEqual(OrientationSpread.bin(of: radians(22.6)), 1)
        XCTAssertEqual(OrientationSpread.bin(of: radians(112.6)), 3)
        XCTAssertEqual(OrientationSpread.bin(of: radians(157.6)), 0)
        XCTAssertEqual(OrientationSpread.bin(of: radians(179.9)), 0)
    }

    /// The preferred orientation is the wave vector's direction with y down: vertical stripes
    /// 0°, stripes like "/" 45°, horizontal stripes 90°, stripes like "\" 135°.
    func testPreferredOrientationOfGratings() {
        let fitter = GaborFitter()
        func grating(_ wave: (Double, Double) -> Double) -> [Float] {
            var k = [Float]()
            for y in 0..<7 { for x in 0..<7 {
                let (u, v) = (Double(x - 3), Double(y - 3))
                k.append(Float(exp(-(u * u + v * v) / 8) * cos(2 * .pi * 0.2 * wave(u, v))))
            } }
            return k
        }
        let cases: [(String, (Double, Double) -> Double, Double)] = [
            ("vertical stripes", { x, _ in x }, 0), ("/ stripes", { x, y in (x + y) / 2.0.squareRoot() }, 45),
            ("horizontal stripes", { _, y in y }, 90), ("\\ stripes", { x, y in (x - y) / 2.0.squareRoot() }, 135),
        ]
        for (name, wave, expected) in cases {
            let degrees = fitter.analyse(grating(wave), size: 7).orientation * 180 / .pi
            let difference = abs((degrees - expected + 90).truncatingRemainder(dividingBy: 180) - 90)
            XCTAssertLessThan(difference, 1, "\(name): \(degrees)°")
        }
    }

    func testSummaryRecordsNormsOrientationsAndTheCSVColumns() {
        var rng = SeededRandom(seed: 4)
        var weights = (0..<(3 * 3 * 49)).map { _ in rng.nextNormal() }
        for i in 0..<(3 * 49) { weights[2 * 3 * 49 + i] *= 0.1 }  // kernel 2 is weak
        let summary = GaborSummary(kernels: Tensor(shape: [3, 3, 7, 7], data: weights), fitter: GaborFitter())
        let norm0 = (0..<(3 * 49)).reduce(0.0) { $0 + Double(weights[$1] * weights[$1]) }.squareRoot()
        XCTAssertEqual(summary.kernels[0].norm, norm0, accuracy: 1e-9 * norm0)
        XCTAssertEqual(summary.spread.weak, [2])
        let lines = summary.csv.split(separator: "\n")
        XCTAssertTrue(lines[0].hasSuffix(",orientation,norm,weak"))
        XCTAssertTrue(lines[3].hasSuffix(",1"), "kernel 2 is marked weak: \(lines[3])")
    }
}

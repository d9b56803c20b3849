import Foundation
import XCTest
@testable import Autograd
@testable import Experiments

final class PatchStatisticsTests: XCTestCase {
    func testJacobiDiagonalisesASymmetricMatrix() {
        var rng = SeededRandom(seed: 2)
        let m = 6
        var b = (0..<(m * m)).map { _ in Double(rng.nextNormal()) }
        for i in 0..<m { for j in 0..<i { b[i * m + j] = b[j * m + i] } }
        let (values, vectors) = symmetricEigen(b, size: m)
        // A v = λ v for every column, and the columns are orthonormal.
        for k in 0..<m {
            for i in 0..<m {
                let av = (0..<m).reduce(0.0) { $0 + b[i * m + $1] * vectors[$1 * m + k] }
                XCTAssertEqual(av, values[k] * vectors[i * m + k], accuracy: 1e-9)
            }
            for l in 0..<m {
                let dot = (0..<m).reduce(0.0) { $0 + vectors[$1 * m + k] * vectors[$1 * m + l] }
                XCTAssertEqual(dot, k == l ? 1 : 0, accuracy: 1e-9)
            }
        }
        XCTAssertEqual(values.reduce(0, +), (0..<m).reduce(0.0) { $0 + b[$1 * m + $1] }, accuracy: 1e-9, "trace")
    }

    /// The README's claim, on a small sample: flat colour dominates raw patches, not filtered ones.
    func testFlatColourDominatesRawPatchesButNotRetinaFilteredOnes() {
        var data = ShapesGenerator.generate(count: 300, seed: 0, size: 32)
        let raw = PatchStatistics(data, size: 5, patchesPerImage: 6)
        XCTAssertEqual(raw.varianceShares.reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertGreaterThan(raw.share(ofFirst: 3), 0.8)
        // The leading component is nearly flat: one colour over the whole patch.
        let first = raw.components[0], plane = 25
        for c in 0..<3 {
            let values = first[(c * plane)..<((c + 1) * plane)].map(Double.init)
            let mean = values.reduce(0, +) / Double(plane)
            let spread = values.map { abs($0 - mean) }.max()!
            XCTAssertLessThan(spread, 0.1 * max(abs(mean), 1e-3) + 0.02, "channel \(c) of the first component is flat")
        }
        Retina.centreSurround.apply(to: &data)
        let filtered = PatchStatistics(data, size: 5, patchesPerImage: 6)
        XCTAssertLessThan(filtered.share(ofFirst: 3), 0.6)
        XCTAssertEqual(filtered.components.count, 8)
    }
}

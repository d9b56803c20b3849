import XCTest
@testable import Splatting

final class TileBinningTests: XCTestCase {
    /// Every tile lists exactly the Gaussians whose box overlaps it, in ascending order.
    func testBinsMatchBruteForce() {
        let c = SplatCase(count: 60, kind: .anisotropic, channels: 1, height: 50, width: 83, seed: 17)
        let p = projectGaussians(means: c.means.data, shape: c.shape.data, kind: .anisotropic, colors: c.colors.data,
                                 count: 60, channels: 1, height: 50, width: 83, cutoff: 3.5)
        let bins = TileBins(p, height: 50, width: 83)
        XCTAssertEqual(bins.tilesX, 6)
        XCTAssertEqual(bins.tilesY, 4)
        XCTAssertEqual(bins.start.count, 25)
        for t in 0..<bins.tileCount {
            let tx0 = (t % 6) * 16, ty0 = (t / 6) * 16
            var expected: [Int32] = []
            var rows = 0
            for i in 0..<60 where p.isVisible(i) {
                let b = p.boxes[(4 * i)..<(4 * i + 4)].map(Int.init)
                if b[0] < tx0 + 16, b[1] > tx0, b[2] < ty0 + 16, b[3] > ty0 {
                    expected.append(Int32(i))
                    rows += min(b[3], ty0 + 16) - max(b[2], ty0)
                }
            }
            XCTAssertEqual(Array(bins.indices[bins.start[t]..<bins.start[t + 1]]), expected, "tile \(t)")
            XCTAssertEqual(bins.rowCost[t], rows, "tile \(t)")
        }
    }

    /// The work ranges cover all tiles once, in order.
    func testBalancedRangesPartitionTiles() {
        let c = SplatCase(count: 80, kind: .isotropic, channels: 1, height: 100, width: 64, seed: 2)
        let p = projectGaussians(means: c.means.data, shape: c.shape.data, kind: .isotropic, colors: c.colors.data,
                                 count: 80, channels: 1, height: 100, width: 64, cutoff: 3.5)
        let bins = TileBins(p, height: 100, width: 64)
        for parts in [1, 2, 3, 7, 100] {
            let ranges = bins.balancedRanges(parts: parts)
            XCTAssertLessThanOrEqual(ranges.count, parts)
            XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<bins.tileCount), "parts \(parts)")
        }
        let two = bins.balancedRanges(parts: 2)
        let costs = two.map { r in r.reduce(0) { $0 + bins.rowCost[$1] } }
        let total = bins.rowCost.reduce(0, +)
        XCTAssertLessThan(abs(costs[0] - costs[1]), total / 4, "unbalanced split \(costs)")
    }
}

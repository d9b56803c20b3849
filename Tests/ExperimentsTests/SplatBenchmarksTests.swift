import XCTest
@testable import Experiments
import Imaging

final class SplatBenchmarksTests: XCTestCase {
    func testSplatAReportsRatePSNRAndFewerPairsThanDense() {
        let card = TestCard.image(size: 48)
        let t = Benchmarks.splatA(target: card, gaussians: 16, iterations: 6, warmup: 2)
        XCTAssertEqual(t.gaussians, 16)
        XCTAssertEqual(t.size, 48)
        XCTAssertGreaterThan(t.iterationsPerSecond, 0)
        XCTAssertTrue(t.psnr.isFinite && t.psnr > 5, "\(t.psnr)")
        XCTAssertGreaterThan(t.pairsPerIterationAtStart, 0)
        XCTAssertLessThan(t.pairsPerIterationAtStart, t.densePairs, "the tiles skip pixels far from each Gaussian")
        XCTAssertEqual(t.densePairs, 16 * 48 * 48)
    }

    func testFlatKeysNameSizeAndCount() {
        XCTAssertEqual(BenchReport.splatAKey(gaussians: 1024, size: 256, "it_s"), "splat_a_n1024_it_s")
        XCTAssertEqual(BenchReport.splatAKey(gaussians: 1024, size: 512, "psnr"), "splat_a_512_n1024_psnr")
        XCTAssertEqual(BenchReport.splatAWorkloads.map(\.0), [256, 1024, 4096, 1024])
    }
}

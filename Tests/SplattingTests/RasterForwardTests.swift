import XCTest
import Autograd
@testable import Splatting

final class RasterForwardTests: XCTestCase {
    /// With a cutoff of 6σ (truncated weight < 1.6e-8) the tiled image equals the dense one.
    func testMatchesDenseTwinAtLargeCutoff() {
        for (kind, channels) in allCombinations {
            let c = SplatCase(count: 40, kind: kind, channels: channels, height: 37, width: 45, seed: 3)
            let fast = c.fast(cutoff: 6)
            XCTAssertEqual(fast.shape, [37, 45, channels])
            let err = relativeError(fast.data, c.dense().data)
            XCTAssertLessThan(err, 1e-5, "\(kind) C=\(channels)")
        }
    }
}

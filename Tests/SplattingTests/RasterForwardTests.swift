import TestSupport
import XCTest
import Foundation
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

extension RasterForwardTests {
    /// At the default cutoff (3.5σ) each pixel misses at most Σᵢ|colorᵢ|·exp(−½·3.5²) of the
    /// dense image; on these random Gaussians the relative error stays below 4e-3.
    func testDefaultCutoffErrorIsBounded() {
        let tail = Foundation.exp(-0.5 * 3.5 * 3.5)
        for (kind, channels) in allCombinations {
            let c = SplatCase(count: 40, kind: kind, channels: channels, height: 37, width: 45, seed: 4)
            let fast = c.fast(), dense = c.dense()
            var bound = [Double](repeating: 0, count: channels)
            for i in 0..<40 {
                for ch in 0..<channels { bound[ch] += abs(Double(c.colors.data[i * channels + ch])) * tail }
            }
            for j in fast.data.indices {
                XCTAssertLessThanOrEqual(abs(Double(fast.data[j]) - Double(dense.data[j])), bound[j % channels] + 1e-6)
            }
            let err = relativeError(fast.data, dense.data)
            XCTAssertGreaterThan(err, 0, "the cutoff should drop something")
            XCTAssertLessThan(err, 4e-3, "\(kind) C=\(channels)")
        }
    }

    /// Images many tiles wide, with extents that are not multiples of 16.
    func testWideAndOddSizedImages() {
        for (height, width) in [(20, 150), (70, 17), (1, 40), (33, 1)] {
            let c = SplatCase(count: 25, kind: .anisotropic, channels: 3, height: height, width: width, seed: 8)
            let err = relativeError(c.fast(cutoff: 6).data, c.dense().data)
            XCTAssertLessThan(err, 1e-5, "\(height)×\(width)")
        }
    }
}

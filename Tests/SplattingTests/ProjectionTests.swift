import XCTest
@testable import Splatting

final class ProjectionTests: XCTestCase {
    private func box(_ p: ProjectedGaussians, _ i: Int) -> [Int32] { Array(p.boxes[(4 * i)..<(4 * i + 4)]) }

    /// σ = 2, cutoff 3: half-extent 6 around (10, 10) holds the pixel centres 4.5 … 15.5.
    func testRoundGaussianBox() {
        let p = projectGaussians(means: [10, 10], shape: [0.5], kind: .isotropic, colors: [1],
                                 count: 1, channels: 1, height: 40, width: 40, cutoff: 3)
        XCTAssertEqual(box(p, 0), [4, 16, 4, 16])
        XCTAssertEqual(p.chol, [0.5, 0, 0.5])
    }

    /// For thin rotated ellipses the box holds every pixel inside the cutoff and is no wider
    /// than the continuous extents.
    func testRotatedBoxesHoldTheirEllipse() {
        let c = SplatCase(count: 30, kind: .anisotropic, channels: 1, height: 60, width: 70, seed: 13)
        let cutoff: Float = 3.5
        let p = projectGaussians(means: c.means.data, shape: c.shape.data, kind: .anisotropic, colors: c.colors.data,
                                 count: 30, channels: 1, height: 60, width: 70, cutoff: cutoff)
        for i in 0..<30 {
            let b = box(p, i).map(Int.init)
            let (mx, my) = (Double(c.means.data[2 * i]), Double(c.means.data[2 * i + 1]))
            let (l11, l21, l22) = (Double(p.chol[3 * i]), Double(p.chol[3 * i + 1]), Double(p.chol[3 * i + 2]))
            var inside = 0
            for r in 0..<60 {
                for col in 0..<70 {
                    let dx = Double(col) + 0.5 - mx, dy = Double(r) + 0.5 - my
                    let u = l11 * dx + l21 * dy, v = l22 * dy
                    guard u * u + v * v <= Double(cutoff * cutoff) * (1 - 1e-6) else { continue }
                    inside += 1
                    XCTAssertTrue(b[0] <= col && col < b[1] && b[2] <= r && r < b[3], "Gaussian \(i) pixel (\(r), \(col)) outside box \(b)")
                }
            }
            // Σ₁₁ and Σ₂₂ bound the box.
            let hx = Double(cutoff) * (l21 * l21 + l22 * l22).squareRoot() / abs(l11 * l22)
            let hy = Double(cutoff) / abs(l22)
            if b[0] < b[1] {
                XCTAssertLessThanOrEqual(Double(b[1] - b[0]), 2 * hx + 1, "Gaussian \(i)")
                XCTAssertLessThanOrEqual(Double(b[3] - b[2]), 2 * hy + 1, "Gaussian \(i)")
            } else {
                XCTAssertEqual(inside, 0, "Gaussian \(i) has an empty box but covers pixels")
            }
        }
    }

    /// l22 = 0 (or l11 = 0) is an infinite band: the box spans the image along that axis.
    func testDegenerateGaussianSpansImage() {
        let p = projectGaussians(means: [5, 5, 5, 5, 5, 5], shape: [0.5, 0.1, 0, 0, 0.3, 0.5, 0, 0, 0],
                                 kind: .anisotropic, colors: [1, 1, 1], count: 3, channels: 1,
                                 height: 20, width: 30, cutoff: 3.5)
        XCTAssertEqual(box(p, 0), [0, 30, 0, 20])
        XCTAssertEqual(box(p, 1), [0, 30, 0, 12])   // l11 = 0: unbounded in x only
        XCTAssertEqual(box(p, 2), [0, 30, 0, 20])
    }

    /// Tiny entries must not underflow to a zero extent (the box then wrongly empty).
    func testTinyEntriesDoNotUnderflow() {
        let p = projectGaussians(means: [5, 5], shape: [1e-30, 0, 1e-30], kind: .anisotropic, colors: [1],
                                 count: 1, channels: 1, height: 8, width: 8, cutoff: 3.5)
        XCTAssertEqual(box(p, 0), [0, 8, 0, 8])
    }

    func testNonFiniteAndOutsideGaussiansAreSkipped() {
        let p = projectGaussians(means: [.nan, 5, 5, 5, 5, 5, -100, 5], shape: [1, .infinity, 1, 1],
                                 kind: .isotropic, colors: [1, 1, .nan, 1], count: 4, channels: 1,
                                 height: 10, width: 10, cutoff: 3.5)
        for i in 0..<4 { XCTAssertFalse(p.isVisible(i), "Gaussian \(i)") }
    }
}

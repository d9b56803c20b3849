import Foundation
import XCTest
@testable import Autograd
@testable import Experiments
import Imaging
import Splatting

final class SplatGaussianCloudTests: XCTestCase {
    /// A Gaussian with σ = (4, 1) along axes turned by θ: L from the precision's Cholesky factor.
    private func rotated(theta: Double, major: Double, minor: Double) -> (Float, Float, Float) {
        let (c, s) = (cos(theta), sin(theta))
        // Precision = R diag(1/major², 1/minor²) Rᵀ.
        let (a, b) = (1 / (major * major), 1 / (minor * minor))
        let p = a * c * c + b * s * s, q = (a - b) * c * s, r = a * s * s + b * c * c
        let l11 = p.squareRoot(), l21 = q / l11, l22 = (r - l21 * l21).squareRoot()
        return (Float(l11), Float(l21), Float(l22))
    }

    func testPrincipalAxesRecoverSigmasAndAngle() {
        for theta in [0.0, 0.3, -1.0, 1.2] {
            let (l11, l21, l22) = rotated(theta: theta, major: 4, minor: 1)
            let cloud = GaussianCloud(shape: .anisotropic, channels: 1, means: [0, 0], shapeValues: [l11, l21, l22], colors: [1])
            let axes = cloud.principalAxes(0)
            XCTAssertEqual(axes.major, 4, accuracy: 1e-4)
            XCTAssertEqual(axes.minor, 1, accuracy: 1e-5)
            XCTAssertEqual(axes.angle, theta, accuracy: 1e-4, "θ = \(theta)")
        }
        let round = GaussianCloud(shape: .isotropic, channels: 3, means: [1, 2], shapeValues: [0.5], colors: [1, 0, 0])
        let axes = round.principalAxes(0)
        XCTAssertEqual([axes.major, axes.minor, axes.angle], [2, 2, 0])
        let flat = GaussianCloud(shape: .anisotropic, channels: 1, means: [0, 0], shapeValues: [1, 0, 0], colors: [1])
        XCTAssertEqual(flat.principalAxes(0).major, .infinity)
    }

    func testCSVHasAHeaderAndOneRowPerGaussian() {
        let (l11, l21, l22) = rotated(theta: 0.5, major: 3, minor: 2)
        let cloud = GaussianCloud(shape: .anisotropic, channels: 3, means: [1.5, 2.5, 7, 8],
                                  shapeValues: [l11, l21, l22, 1, 0, 1], colors: [0.1, 0.2, 0.3, 1, 0, -0.5])
        let lines = cloud.csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[0], "x,y,sigma_x,sigma_y,angle_deg,l11,l21,l22,r,g,b")
        let first = lines[1].split(separator: ",").map { Double($0)! }
        XCTAssertEqual(first.count, 11)
        XCTAssertEqual(first[0], 1.5)
        XCTAssertEqual(first[2], 3, accuracy: 1e-3)
        XCTAssertEqual(first[3], 2, accuracy: 1e-3)
        XCTAssertEqual(first[4], 0.5 * 180 / Double.pi, accuracy: 1e-2)
        XCTAssertEqual(first[10], 0.3, accuracy: 1e-6)
    }

    func testRenderingAtTwiceTheSizeMatchesTheResampledRender() {
        let card = TestCard.image(size: 24)
        let cloud = SplatInitialization.cloud(for: card, count: 40, shape: .anisotropic, seed: 9)
        XCTAssertEqual(cloud.count, 40)
        let small = cloud.render(height: 24, width: 24)
        let big = cloud.scaled(by: 2).render(height: 48, width: 48)
        // Every 2×2 block of the large render averages to about the small render's pixel.
        var worst: Float = 0
        for y in 0..<24 {
            for x in 0..<24 {
                for c in 0..<3 {
                    var mean: Float = 0
                    for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] { mean += big[((2 * y + dy) * 48 + 2 * x + dx) * 3 + c] / 4 }
                    worst = max(worst, abs(mean - small[(y * 24 + x) * 3 + c]))
                }
            }
        }
        XCTAssertLessThan(worst, 0.05)
    }

    func testInitialisationFavoursStructureAndRendersNearTheTarget() {
        let card = TestCard.image(size: 32)
        let cloud = SplatInitialization.cloud(for: card, count: 200, shape: .isotropic, seed: 1)
        let render = cloud.render(height: 32, width: 32)
        let initial = psnr(render.map { min(max($0, 0), 1) }, card.pixels)
        let black = psnr([Float](repeating: 0, count: render.count), card.pixels)
        XCTAssertGreaterThan(initial, black + 3, "colours from the target, scaled: closer than a black image")
        XCTAssertEqual(SplatInitialization.initialSigma(count: 200, height: 32, width: 32), 1.5)
        XCTAssertEqual(SplatInitialization.initialSigma(count: 16, height: 256, width: 256), 8)
        XCTAssertEqual(SplatInitialization.initialSigma(count: 1024, height: 256, width: 256), 4)
        // Gradient sampling: more centres near edges than a uniform draw would put there.
        let edges = SplatInitialization.gradientMagnitude(card)
        let strong = Set(edges.indices.filter { edges[$0] > 0.05 })
        let near = stride(from: 0, to: cloud.means.count, by: 2).filter {
            strong.contains(Int(cloud.means[$0 + 1]) * 32 + Int(cloud.means[$0]))
        }.count
        XCTAssertGreaterThan(Double(near) / 200, Double(strong.count) / 1024 + 0.2)
    }
}

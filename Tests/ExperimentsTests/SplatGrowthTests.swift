import XCTest
@testable import Autograd
@testable import Experiments
import Imaging
import Splatting

final class SplatGrowthTests: XCTestCase {
    func testPlanStartsWithAThirdAndReachesTheBudgetAtTheLastRound() {
        let plan = SplatGrowth(budget: 1000, totalSteps: 2000)
        XCTAssertEqual(plan.initialCount, 350)
        XCTAssertEqual(plan.roundSteps, (1...16).map { 75 * $0 }, "16 rounds over the first 60 %")
        let counts = (0..<16).map { plan.targetCount(round: $0) }
        XCTAssertEqual(counts.first, 391)
        XCTAssertEqual(counts.last, 1000)
        XCTAssertEqual(counts, counts.sorted())
        let short = SplatGrowth(budget: 1, totalSteps: 3)
        XCTAssertEqual(short.initialCount, 1)
        XCTAssertTrue(short.roundSteps.allSatisfy { (1..<3).contains($0) })
    }

    func testPruningDropsVanishedDegenerateAndLostGaussians() {
        // 0 kept; 1 colour gone; 2 needle (σ_minor < 0.3); 3 too wide; 4 far outside; 5 kept (negative colour).
        let cloud = GaussianCloud(
            shape: .anisotropic, channels: 1,
            means: [10, 10, 10, 10, 10, 10, 10, 10, -100, 10, 5, 5],
            shapeValues: [0.5, 0, 0.5, 0.5, 0, 0.5, 5, 0, 0.5, 0.01, 0, 0.01, 0.5, 0, 0.5, 1, 0.3, 1],
            colors: [0.5, 0.001, 0.5, 0.5, 0.5, -0.2])
        XCTAssertEqual(SplatGrowth.keptIndices(cloud, height: 20, width: 20), [0, 5])
    }

    func testNewGaussiansLandWhereTheErrorIs() {
        // Target bright only in its right half; the render is black: all error on the right.
        var target = Image(width: 16, height: 8, channels: 1, fill: 0)
        for y in 0..<8 { for x in 8..<16 { target[x: x, y: y, c: 0] = 1 } }
        var rng = SeededRandom(seed: 1)
        let added = SplatGrowth.newGaussians(count: 50, target: target, render: [Float](repeating: 0, count: 128),
                                             shape: .isotropic, sigma: 1.5, rng: &rng)
        XCTAssertEqual(added.count, 50)
        let xs = stride(from: 0, to: added.means.count, by: 2).map { added.means[$0] }
        XCTAssertGreaterThan(xs.filter { $0 >= 7 }.count, 45, "blurred error spills at most a pixel or two left")
        XCTAssertTrue(added.colors.allSatisfy { $0 >= 0 }, "the residual is positive")
        XCTAssertEqual(added.shapeValues, [Float](repeating: 1 / 1.5, count: 50))
        // Their colours are scaled so that adding them brings the render closer to the target.
        let render = added.render(height: 8, width: 16).map { min(max($0, 0), 1) }
        XCTAssertGreaterThan(psnr(render, target.pixels), psnr([Float](repeating: 0, count: 128), target.pixels) + 1)
    }

    func testNewGaussiansFavourLargerErrorsMoreThanInProportion() {
        // The error is 0.5 on the left half and 1 on the right: with the exponent 1.5 the
        // right half should draw about 2^1.5 ≈ 2.8 times as many new Gaussians (not 2).
        var target = Image(width: 64, height: 8, channels: 1, fill: 0.5)
        for y in 0..<8 { for x in 32..<64 { target[x: x, y: y, c: 0] = 1 } }
        var rng = SeededRandom(seed: 3)
        let added = SplatGrowth.newGaussians(count: 4000, target: target, render: [Float](repeating: 0, count: 512),
                                             shape: .isotropic, sigma: 1.5, rng: &rng)
        let xs = stride(from: 0, to: added.means.count, by: 2).map { added.means[$0] }
        let right = Double(xs.filter { $0 >= 32 }.count), left = Double(xs.filter { $0 < 32 }.count)
        XCTAssertEqual(right / left, pow(2, Double(SplatGrowth.errorExponent)), accuracy: 0.3)
    }

    func testCholeskyFactorHasTheAxesItWasBuiltFrom() {
        for angle in [0.0, 0.4, -1.2, Double.pi / 2] {
            let l = SplatGrowth.choleskyFactor(major: 3, minor: 1.2, angle: angle)
            let cloud = GaussianCloud(shape: .anisotropic, channels: 1, means: [0, 0], shapeValues: [l.l11, l.l21, l.l22],
                                      colors: [1])
            let axes = cloud.principalAxes(0)
            XCTAssertEqual(axes.major, 3, accuracy: 1e-4)
            XCTAssertEqual(axes.minor, 1.2, accuracy: 1e-4)
            XCTAssertEqual(cos(2 * axes.angle), cos(2 * angle), accuracy: 1e-4, "the same axis, up to its direction")
            XCTAssertEqual(sin(2 * axes.angle), sin(2 * angle), accuracy: 1e-4)
        }
    }

    func testStructureTensorFindsTheEdgeDirection() {
        // A vertical edge at x = 8 and a flat right part; a diagonal edge in a second image.
        var vertical = Image(width: 24, height: 12, channels: 1, fill: 0)
        for y in 0..<12 { for x in 8..<24 { vertical[x: x, y: y, c: 0] = 1 } }
        let edge = StructureTensor(vertical).orientation(x: 8, y: 6)
        XCTAssertEqual(abs(cos(edge.edgeAngle)), 0, accuracy: 1e-6, "the edge runs along y")
        XCTAssertEqual(edge.coherence, 1, accuracy: 1e-6)
        XCTAssertEqual(StructureTensor(vertical).orientation(x: 18, y: 6).coherence, 0, "flat: no direction")
        var diagonal = Image(width: 16, height: 16, channels: 1, fill: 0)
        for y in 0..<16 { for x in 0..<16 where x > y { diagonal[x: x, y: y, c: 0] = 1 } }
        let slant = StructureTensor(diagonal).orientation(x: 8, y: 8)
        XCTAssertEqual(cos(2 * slant.edgeAngle), 0, accuracy: 0.05)
        XCTAssertEqual(sin(2 * slant.edgeAngle), 1, accuracy: 0.05, "along x = y (45° towards +y)")
        XCTAssertGreaterThan(slant.coherence, 0.9)
    }

    func testAnisotropicNewGaussiansLieAlongTheEdge() {
        // Error only along a vertical edge: new Gaussians stretch along y by newElongation.
        var target = Image(width: 24, height: 24, channels: 1, fill: 0)
        for y in 0..<24 { for x in 12..<24 { target[x: x, y: y, c: 0] = 1 } }
        var render = [Float](repeating: 0, count: 24 * 24)
        for y in 0..<24 { for x in 13..<24 { render[y * 24 + x] = 1 } }
        var rng = SeededRandom(seed: 5)
        let added = SplatGrowth.newGaussians(count: 20, target: target, render: render, shape: .anisotropic, sigma: 2,
                                             rng: &rng)
        let stretched = (0..<added.count).map { added.principalAxes($0) }.filter { $0.major > 2.5 }
        XCTAssertGreaterThan(stretched.count, 15, "most land on the edge and stretch")
        for axes in stretched {
            XCTAssertEqual(abs(cos(axes.angle)), 0, accuracy: 0.05, "major axis along y")
            XCTAssertLessThanOrEqual(axes.major, 2 * SplatGrowth.newElongation + 1e-3)
            XCTAssertEqual(axes.major * axes.minor, 4, accuracy: 1e-2, "area kept: σ·e × σ/e")
        }
    }

    func testAdamStateFollowsKeptGaussiansAndNewOnesGetTheirSquaredGradient() {
        let state: [String: (shape: [Int], values: [Float])] = [
            "step": ([1], [7]),
            "exp_avg.0.0": ([3, 2], [1, 2, 3, 4, 5, 6]),
            "exp_avg_sq.0.0": ([3, 2], [10, 20, 30, 40, 50, 60]),
            "exp_avg.1.0": ([3, 1], [1, 2, 3]),
            "exp_avg_sq.1.0": ([3, 1], [4, 5, 6]),
        ]
        let out = SplatGrowth.remapAdamState(state, kept: [2, 0], newCount: 3, gradients: [0: [9, 9, 9, 9, 3, -2]])
        XCTAssertEqual(out["step"]!.values, [7])
        XCTAssertEqual(out["exp_avg.0.0"]!.shape, [3, 2])
        XCTAssertEqual(out["exp_avg.0.0"]!.values, [5, 6, 1, 2, 0, 0])
        XCTAssertEqual(out["exp_avg_sq.0.0"]!.values, [50, 60, 10, 20, 9, 4])
        XCTAssertEqual(out["exp_avg.1.0"]!.values, [3, 1, 0])
        XCTAssertEqual(out["exp_avg_sq.1.0"]!.values, [6, 4, 0], "no gradient given: zeros")
    }

    func testRemappedStateLoadsIntoAdamForTheNewShapes() throws {
        let p = Tensor(shape: [3, 2], data: [Float](repeating: 1, count: 6), requiresGrad: true)
        let adam = Adam(groups: [ParameterGroup(parameters: [p], learningRate: 0.1)])
        p.grad = [1, 2, 3, 4, 5, 6]
        adam.step()
        let q = Tensor(shape: [4, 2], data: [Float](repeating: 1, count: 8), requiresGrad: true)
        let state = SplatGrowth.remapAdamState(adam.stateTensors(), kept: [1, 2], newCount: 4)
        adam.groups[0].parameters = [q]
        try adam.loadState(state)
        let moments = adam.stateTensors()["exp_avg.0.0"]!.values
        for (got, want) in zip(moments, [0.3, 0.4, 0.5, 0.6, 0, 0, 0, 0] as [Float]) {
            XCTAssertEqual(got, want, accuracy: 1e-6, "moments of kept rows carried over, zeros for new ones")
        }
        XCTAssertEqual(adam.stepCount, 1)
    }
}

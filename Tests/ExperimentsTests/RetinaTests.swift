import Foundation
import XCTest
@testable import Autograd
@testable import Experiments

final class RetinaTests: XCTestCase {
    /// The slow twin: `x − λ·(Σ g·x)/(Σ g)` over the pixels inside the image, a 2-D sum per pixel.
    private func centreSurroundTwin(_ plane: [Float], side n: Int) -> [Float] {
        let sigma = Double(Retina.surroundSigma), radius = Int((3 * sigma).rounded(.up))
        var out = plane
        for y in 0..<n {
            for x in 0..<n {
                var sum = 0.0, weight = 0.0
                for dy in -radius...radius {
                    for dx in -radius...radius where (0..<n).contains(x + dx) && (0..<n).contains(y + dy) {
                        let g = exp(-Double(dx * dx + dy * dy) / (2 * sigma * sigma))
                        sum += g * Double(plane[(y + dy) * n + x + dx])
                        weight += g
                    }
                }
                out[y * n + x] = Float(Double(plane[y * n + x]) - Double(Retina.surroundWeight) * sum / weight)
            }
        }
        return out
    }

    func testCentreSurroundMatchesTheDirectTwin() {
        var rng = SeededRandom(seed: 3)
        for side in [5, 16, 32] {   // 5 is smaller than the blur's radius
            let image = (0..<(2 * side * side)).map { _ in rng.nextFloat() }
            var filtered = image
            filtered.withUnsafeMutableBufferPointer { Retina.centreSurround.apply($0.baseAddress!, channels: 2, side: side) }
            for c in 0..<2 {
                let plane = Array(image[(c * side * side)..<((c + 1) * side * side)])
                let twin = centreSurroundTwin(plane, side: side)
                for (p, expected) in twin.enumerated() {
                    XCTAssertEqual(filtered[c * side * side + p], expected, accuracy: 1e-5, "side \(side), channel \(c), pixel \(p)")
                }
            }
        }
    }

    func testAFlatImageKeepsAFifthOfItsColourEverywhere() {
        // Border renormalisation: the surround of a constant is the constant, also at the corners.
        var image = [Float](repeating: 0.7, count: 3 * 32 * 32)
        image.withUnsafeMutableBufferPointer { Retina.centreSurround.apply($0.baseAddress!, channels: 3, side: 32) }
        for value in image { XCTAssertEqual(value, 0.7 * (1 - Retina.surroundWeight), accuracy: 1e-6) }
    }

    func testStandardiseCentresEachChannelAndScalesTheImage() {
        var data = ShapesGenerator.generate(count: 4, seed: 2, size: 16)
        Retina.standardise.apply(to: &data)
        let plane = 16 * 16
        for i in 0..<4 {
            var squares = 0.0
            for c in 0..<3 {
                let values = data.images[(i * 3 * plane + c * plane)..<(i * 3 * plane + (c + 1) * plane)].map(Double.init)
                XCTAssertEqual(values.reduce(0, +) / Double(plane), 0, accuracy: 1e-5)
                squares += values.reduce(0) { $0 + $1 * $1 }
            }
            XCTAssertEqual((squares / Double(3 * plane)).squareRoot(), 1, accuracy: 1e-4)
        }
    }

    func testNoneLeavesTheDataAloneAndTheDataSetPathEqualsTheImagePath() {
        let drawn = ShapesGenerator.generate(count: 40, seed: 1, size: 16)
        var untouched = drawn
        Retina.none.apply(to: &untouched)
        XCTAssertEqual(untouched.images, drawn.images)
        // The parallel data-set path and the one-image path (the probe's) give the same bits.
        var all = drawn
        Retina.centreSurround.apply(to: &all)
        var one = Array(drawn.images[(7 * drawn.imageStride)..<(8 * drawn.imageStride)])
        one.withUnsafeMutableBufferPointer { Retina.centreSurround.apply($0.baseAddress!, channels: 3, side: 16) }
        XCTAssertEqual(Array(all.images[(7 * drawn.imageStride)..<(8 * drawn.imageStride)]), one)
    }

    /// The filter is isotropic and the border treatment symmetric, so it commutes with the
    /// dihedral poses the augmentation applies afterwards.
    func testCentreSurroundCommutesWithTheDihedralPoses() {
        var rng = SeededRandom(seed: 8)
        let side = 12
        let image = (0..<(side * side)).map { _ in rng.nextFloat() }
        for pose in 1..<8 {
            var posedThenFiltered = [Float](repeating: 0, count: side * side)
            image.withUnsafeBufferPointer { src in
                posedThenFiltered.withUnsafeMutableBufferPointer { Dihedral.copy(src.baseAddress!, to: $0.baseAddress!, side: side, pose: pose) }
            }
            posedThenFiltered.withUnsafeMutableBufferPointer { Retina.centreSurround.apply($0.baseAddress!, channels: 1, side: side) }
            var filtered = image
            filtered.withUnsafeMutableBufferPointer { Retina.centreSurround.apply($0.baseAddress!, channels: 1, side: side) }
            var filteredThenPosed = [Float](repeating: 0, count: side * side)
            filtered.withUnsafeBufferPointer { src in
                filteredThenPosed.withUnsafeMutableBufferPointer { Dihedral.copy(src.baseAddress!, to: $0.baseAddress!, side: side, pose: pose) }
            }
            for (a, b) in zip(posedThenFiltered, filteredThenPosed) { XCTAssertEqual(a, b, accuracy: 1e-5, "pose \(pose)") }
        }
    }
}

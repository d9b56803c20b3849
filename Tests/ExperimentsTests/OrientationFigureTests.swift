import Foundation
import XCTest
@testable import Autograd
@testable import Experiments
@testable import Imaging

final class OrientationFigureTests: XCTestCase {
    /// Two RGB gratings: vertical red stripes (0°) and horizontal stripes in gray (90°).
    private func figure() -> OrientationFigure {
        var weights = [Float](repeating: 0, count: 2 * 3 * 49)
        for y in 0..<7 { for x in 0..<7 {
            let (u, v) = (Double(x - 3), Double(y - 3))
            let envelope = exp(-(u * u + v * v) / 8)
            weights[0 * 49 + y * 7 + x] = Float(envelope * cos(2 * .pi * 0.25 * u))        // kernel 0, red only
            for c in 0..<3 { weights[(3 + c) * 49 + y * 7 + x] = Float(envelope * cos(2 * .pi * 0.25 * v)) }
        } }
        let summary = GaborSummary(kernels: Tensor(shape: [2, 3, 7, 7], data: weights), fitter: GaborFitter())
        return OrientationFigure(weights: weights, shape: [2, 3, 7, 7], summary: summary, epoch: 3)
    }

    func testEachKernelIsDrawnAtItsOrientationInItsOwnColour() {
        let figure = figure()
        let canvas = figure.halfCircleCanvas()
        let centre = OrientationFigure.centre
        // Vertical stripes (0°) sit on the horizontal axis, left of the centre; horizontal stripes (90°) above it.
        let left = figure.markCentre(of: 0), top = figure.markCentre(of: 1)
        XCTAssertEqual(left.y, centre.y, accuracy: 2)
        XCTAssertLessThan(left.x, centre.x - 100)
        XCTAssertEqual(top.x, centre.x, accuracy: 2)
        XCTAssertLessThan(top.y, centre.y - 100)
        // The disc's middle has the kernel's colour: kernel 0 is red only (mid-grey plus red).
        let red = canvas.image.color(x: Int(left.x), y: Int(left.y))
        XCTAssertEqual(red, figure.colour(of: 0))
        XCTAssertGreaterThan(red.r, 0.9)
        XCTAssertEqual(red.g, 0.5, accuracy: 0.01)
        let gray = canvas.image.color(x: Int(top.x), y: Int(top.y))
        XCTAssertEqual(gray.r, gray.g, accuracy: 1e-6)
        // Nothing is drawn where no kernel points (the empty 135° sector, away from guides and labels).
        let empty = canvas.image.color(x: Int(centre.x + 70), y: Int(centre.y - 40))
        XCTAssertEqual(empty, .white)
    }

    func testTheWholePictureHoldsTheHalfCircleAndTheSortedBank() {
        let figure = figure()
        let image = figure.render()
        XCTAssertGreaterThan(image.width, figure.halfCircleCanvas().image.width + 100, "the bank sits to the right")
        XCTAssertGreaterThanOrEqual(image.height, figure.halfCircleCanvas().image.height)
    }
}

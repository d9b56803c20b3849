import XCTest
@testable import Imaging

final class CanvasTests: XCTestCase {
    private func inkCount(_ canvas: Canvas, below level: Float = 0.5) -> Int {
        (0..<(canvas.width * canvas.height)).filter { canvas.image.color(x: $0 % canvas.width, y: $0 / canvas.width).luminance < level }.count
    }

    func testFillRectIsClippedAndExact() {
        var canvas = Canvas(width: 10, height: 8, background: .white)
        canvas.fillRect(x: -3, y: 6, width: 5, height: 10, color: .red)
        for y in 0..<8 {
            for x in 0..<10 {
                XCTAssertEqual(canvas.image.color(x: x, y: y), (x < 2 && y >= 6) ? .red : .white, "(\(x), \(y))")
            }
        }
        canvas.fillRect(x: 0, y: 0, width: 1, height: 1, color: .black, alpha: 0.25)
        XCTAssertEqual(canvas.image.color(x: 0, y: 0), Color(gray: 0.75))
    }

    func testHorizontalLineCoversExactlyItsRow() {
        var canvas = Canvas(width: 20, height: 9, background: .white)
        canvas.drawLine(from: Point(2.5, 4.5), to: Point(15.5, 4.5), color: .black, width: 1)
        for y in 0..<9 {
            for x in 0..<20 {
                let inside = y == 4 && (2...15).contains(x)
                XCTAssertEqual(canvas.image.color(x: x, y: y), inside ? .black : .white, "(\(x), \(y))")
            }
        }
    }

    func testDiagonalLineIsAntiAliasedAndConnected() {
        var canvas = Canvas(width: 40, height: 40, background: .white)
        canvas.drawLine(from: Point(2, 3), to: Point(37, 30), color: .black, width: 1.5)
        let values = canvas.image.pixels
        XCTAssertTrue(values.contains { $0 > 0.05 && $0 < 0.95 }, "there are partially covered pixels")
        // Every column the line crosses has ink.
        for x in 3..<37 {
            let column = (0..<40).map { canvas.image.color(x: x, y: $0).luminance }
            XCTAssertLessThan(column.min()!, 0.5, "column \(x)")
        }
        // Nothing far from the line.
        XCTAssertEqual(canvas.image.color(x: 35, y: 5), .white)
    }

    func testCircleAndEllipseOutlinesAndFills() {
        var canvas = Canvas(width: 60, height: 60, background: .white)
        canvas.drawCircle(center: Point(30, 30), radius: 20, color: .black)
        XCTAssertLessThan(canvas.image.color(x: 50, y: 30).luminance, 0.6, "right-most point of the circle")
        XCTAssertLessThan(canvas.image.color(x: 29, y: 10).luminance, 0.6, "top of the circle")
        XCTAssertEqual(canvas.image.color(x: 30, y: 30), .white, "an outline leaves the centre empty")

        var filled = Canvas(width: 60, height: 60, background: .white)
        filled.fillCircle(center: Point(30, 30), radius: 10, color: .black)
        // Coverage area ≈ πr² = 314.
        let ink = filled.image.luminance().reduce(0) { $0 + (1 - $1) }
        XCTAssertEqual(ink, Float.pi * 100, accuracy: 3)

        var ellipse = Canvas(width: 80, height: 80, background: .white)
        ellipse.fillEllipse(center: Point(40, 40), radii: (30, 5), angle: .pi / 2, color: .black)
        XCTAssertEqual(ellipse.image.color(x: 40, y: 15), .black, "turned by 90°, the long axis is vertical")
        XCTAssertEqual(ellipse.image.color(x: 60, y: 40), .white)
        let area = ellipse.image.luminance().reduce(0) { $0 + (1 - $1) }
        XCTAssertEqual(area, Float.pi * 150, accuracy: 6)
    }

    func testBlitClipsAndConvertsGray() {
        var canvas = Canvas(width: 4, height: 4, background: .black)
        canvas.blit(Image(width: 3, height: 3, channels: 1, fill: 0.5), x: 2, y: -1)
        XCTAssertEqual(canvas.image.color(x: 2, y: 0), Color(gray: 0.5))
        XCTAssertEqual(canvas.image.color(x: 3, y: 1), Color(gray: 0.5))
        XCTAssertEqual(canvas.image.color(x: 3, y: 2), .black)
        XCTAssertEqual(canvas.image.color(x: 1, y: 0), .black)
    }

    func testPolylineWithGapsAndSinglePoints() {
        var canvas = Canvas(width: 30, height: 10, background: .white)
        canvas.drawPolyline([Point(1, 5), Point(8, 5), Point(.nan, .nan), Point(20, 5), Point(28, 5)], color: .black, width: 2)
        XCTAssertLessThan(canvas.image.color(x: 5, y: 4).luminance, 0.1)
        XCTAssertEqual(canvas.image.color(x: 14, y: 4), .white, "the NaN point breaks the line")
        var dot = Canvas(width: 9, height: 9, background: .white)
        dot.drawPolyline([Point(4.5, 4.5)], color: .black, width: 3)
        XCTAssertGreaterThan(inkCount(dot), 4)
    }
}

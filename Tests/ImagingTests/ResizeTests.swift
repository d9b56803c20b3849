import XCTest
@testable import Imaging

final class ResizeTests: XCTestCase {
    func testConstantImagesStayConstant() {
        let image = Image(width: 13, height: 7, channels: 3, pixels: (0..<(13 * 7 * 3)).map { [0.2, 0.7, 0.9][$0 % 3] })
        let sizes = [(5, 3), (26, 14), (40, 5), (13, 7), (1, 1), (31, 29)]
        for filter in [ResizeFilter.automatic, .area, .bilinear, .bicubic, .nearest] {
            for (w, h) in sizes {
                let out = image.resized(width: w, height: h, filter: filter)
                XCTAssertEqual([out.width, out.height, out.channels], [w, h, 3])
                for (i, v) in out.pixels.enumerated() {
                    XCTAssertEqual(v, [0.2, 0.7, 0.9][i % 3], accuracy: 1e-6, "\(filter) to \(w)×\(h), sample \(i)")
                }
            }
        }
    }

    func testAreaAveragingFourByFourToTwoByTwoIsExact() {
        let image = Image(width: 4, height: 4, channels: 1, pixels: [
            0, 1, 2, 3,
            4, 5, 6, 7,
            8, 9, 10, 11,
            12, 13, 14, 15,
        ])
        let out = image.resized(width: 2, height: 2) // shrinking: area averaging
        XCTAssertEqual(out.pixels, [2.5, 4.5, 10.5, 12.5])
        XCTAssertEqual(image.resized(width: 2, height: 2, filter: .area).pixels, [2.5, 4.5, 10.5, 12.5])
    }

    func testAreaAveragingWithFractionalCoverage() {
        // 3 → 2: output 0 covers [0, 1.5): pixel 0 fully, pixel 1 half; weights 2/3, 1/3.
        let image = Image(width: 3, height: 1, channels: 1, pixels: [0, 3, 6])
        let out = image.resized(width: 2, height: 1, filter: .area)
        XCTAssertEqual(out.pixels[0], 1, accuracy: 1e-6)
        XCTAssertEqual(out.pixels[1], 5, accuracy: 1e-6)
        // The mean is preserved by area averaging.
        XCTAssertEqual(out.pixels.reduce(0, +) / 2, 3, accuracy: 1e-6)
    }

    func testUpscalingARampStaysMonotone() {
        let ramp = Image(width: 6, height: 2, channels: 1, pixels: (0..<12).map { Float($0 % 6) / 5 })
        for filter in [ResizeFilter.automatic, .bilinear, .bicubic] {
            let out = ramp.resized(width: 23, height: 5, filter: filter)
            for row in 0..<5 {
                for x in 1..<23 {
                    XCTAssertGreaterThanOrEqual(out[x: x, y: row, c: 0], out[x: x - 1, y: row, c: 0] - 1e-6, "\(filter) row \(row) x \(x)")
                }
                XCTAssertLessThan(out[x: 0, y: row, c: 0], out[x: 22, y: row, c: 0])
            }
        }
        // Bilinear with pixel-centre alignment: doubling puts samples at ±¼ pixel from the centres.
        let doubled = Image(width: 2, height: 1, channels: 1, pixels: [0, 1]).resized(width: 4, height: 1)
        XCTAssertEqual(doubled.pixels, [0, 0.25, 0.75, 1])
    }

    func testNearestIntegerUpscaling() {
        let image = Image(width: 2, height: 2, channels: 3, pixels: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1])
        let big = image.upscaled(by: 3)
        XCTAssertEqual([big.width, big.height], [6, 6])
        for y in 0..<6 {
            for x in 0..<6 {
                XCTAssertEqual(big.color(x: x, y: y), image.color(x: x / 3, y: y / 3), "(\(x), \(y))")
            }
        }
        XCTAssertEqual(image.upscaled(by: 1), image)
        XCTAssertEqual(image.resized(width: 6, height: 6, filter: .nearest), big)
    }

    func testBicubicReproducesLinearInteriorExactly() {
        let ramp = Image(width: 8, height: 1, channels: 1, pixels: (0..<8).map { Float($0) })
        let out = ramp.resized(width: 16, height: 1, filter: .bicubic)
        // Away from the clamped borders, cubic convolution reproduces a linear ramp: x_out = (j + 0.5)/2 − 0.5.
        for j in 4..<12 {
            XCTAssertEqual(out.pixels[j], (Float(j) + 0.5) / 2 - 0.5, accuracy: 1e-5)
        }
    }
}

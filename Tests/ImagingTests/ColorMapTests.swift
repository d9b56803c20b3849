import Foundation
import XCTest
@testable import Imaging

final class ColorMapTests: XCTestCase {
    private func assertColor(_ c: Color, hex: UInt32, within tolerance: Float = 1.0 / 255, _ message: String = "",
                             file: StaticString = #filePath, line: UInt = #line) {
        let want = Color(hex: hex)
        XCTAssertEqual(c.r, want.r, accuracy: tolerance, message, file: file, line: line)
        XCTAssertEqual(c.g, want.g, accuracy: tolerance, message, file: file, line: line)
        XCTAssertEqual(c.b, want.b, accuracy: tolerance, message, file: file, line: line)
    }

    func testViridisGoldenValues() {
        assertColor(ColorMap.viridis.color(at: 0), hex: 0x440154)
        assertColor(ColorMap.viridis.color(at: 1), hex: 0xFDE725)
        // Matplotlib's table entries 64, 128 and 192 (positions 64/255 …), not stops of ours.
        assertColor(ColorMap.viridis.color(at: 64.0 / 255), hex: 0x3B528B, "viridis[64]")
        assertColor(ColorMap.viridis.color(at: 128.0 / 255), hex: 0x21918C, "viridis[128]")
        assertColor(ColorMap.viridis.color(at: 192.0 / 255), hex: 0x5EC962, "viridis[192]")
        // Out-of-range positions clamp to the ends.
        XCTAssertEqual(ColorMap.viridis.color(at: -3), ColorMap.viridis.color(at: 0))
        XCTAssertEqual(ColorMap.viridis.color(at: 7), ColorMap.viridis.color(at: 1))
    }

    /// CIE L* of an sRGB colour (D65), 0 … 100.
    private func lightness(_ c: Color) -> Double {
        func linear(_ v: Float) -> Double {
            let x = Double(v)
            return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
        }
        let y = 0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b)
        return y > 216.0 / 24389 ? 116 * cbrt(y) - 16 : y * 24389 / 27
    }

    func testViridisAndInfernoLightnessRisesMonotonically() {
        for map in [ColorMap.viridis, .inferno] {
            var previous = -1.0
            for k in 0...200 {
                let l = lightness(map.color(at: Float(k) / 200))
                XCTAssertGreaterThan(l, previous, "\(map.name) at \(k)/200")
                previous = l
            }
        }
    }

    func testInfernoIsBlackAtZero() {
        XCTAssertEqual(ColorMap.inferno.color(at: 0), .black)
        XCTAssertEqual(ColorMap.inferno.color(for: 0, in: 0...0.3), .black)
        assertColor(ColorMap.inferno.color(at: 1), hex: 0xFCFFA4)
    }

    func testDivergingIsExactlyWhiteAtZeroBlueBelowRedAbove() {
        for m: Float in [1, 0.37, 1e-3, 123.4] {
            XCTAssertEqual(ColorMap.diverging.color(for: 0, in: -m...m), .white, "range ±\(m)")
        }
        let range = ColorMap.range(of: [-0.2, 0.05, 0.7], symmetric: true)
        XCTAssertEqual(range, -0.7...0.7)
        XCTAssertEqual(ColorMap.diverging.color(for: 0, in: range), .white)
        let negative = ColorMap.diverging.color(for: -0.5, in: range)
        let positive = ColorMap.diverging.color(for: 0.5, in: range)
        XCTAssertGreaterThan(negative.b, negative.r + 0.2, "negative is blue-ish: \(negative)")
        XCTAssertGreaterThan(positive.r, positive.b + 0.2, "positive is red-ish: \(positive)")
        // Darker towards the ends, on both sides.
        XCTAssertLessThan(ColorMap.diverging.color(at: 0).luminance, negative.luminance)
        XCTAssertLessThan(ColorMap.diverging.color(at: 1).luminance, positive.luminance)
    }

    func testPositionEdgeCases() {
        XCTAssertEqual(ColorMap.position(of: 5, in: 5...5), 0.5, "an empty range maps to the middle")
        XCTAssertEqual(ColorMap.position(of: .nan, in: 0...1), 0)
        XCTAssertEqual(ColorMap.position(of: 2, in: 0...1), 1)
        XCTAssertEqual(ColorMap.range(of: [.nan, .infinity]), 0...0)
        XCTAssertEqual(ColorMap.range(of: [3, -1, .nan, 2]), -1...3)
    }

    func testImageAppliesTheMapPerValue() {
        let image = ColorMap.gray.image([0, 0.5, 1, 0.25], width: 2, height: 2, range: 0...1)
        XCTAssertEqual(image.pixels, [0, 0, 0, 0.5, 0.5, 0.5, 1, 1, 1, 0.25, 0.25, 0.25])
    }

    func testColorBarMarksLowerMiddleUpper() {
        let bar = ColorBar(map: .viridis, range: 0...1, textScale: 1)
        let image = bar.render(length: 100, thickness: 10)
        let size = bar.size(length: 100, thickness: 10)
        XCTAssertEqual([image.width, image.height], [size.width + 8, size.height + 8])
        // The gradient's top row is the upper end of the map, its bottom row the lower end.
        let top = 4 + Canvas.textBox("0").height / 2 + 1
        XCTAssertEqual(image.color(x: 6, y: top), ColorMap.viridis.color(at: 1))
        XCTAssertEqual(image.color(x: 6, y: top + 99), ColorMap.viridis.color(at: 0))
        // Tick labels are drawn in dark ink to the right of the bar.
        let right = image.cropped(x: 4 + 10 + 2, y: 0, width: image.width - 16, height: image.height)
        XCTAssertGreaterThan(right.pixels.filter { $0 < 0.5 }.count, 30)
    }

    func testHeatmapDefaultRanges() {
        XCTAssertEqual(Heatmap(values: [0.1, 0.4], rows: 1, columns: 2).effectiveRange, 0...0.4, "magnitudes start at 0")
        XCTAssertEqual(Heatmap(values: [-0.1, 0.4], rows: 1, columns: 2, map: .diverging).effectiveRange, -0.4...0.4)
        let image = Heatmap(values: [0, 1, 2, 3], rows: 2, columns: 2, title: "t", label: "v").render()
        let hottest = ColorMap.inferno.color(at: 1)
        let count = (0..<(image.width * image.height)).filter { image.color(x: $0 % image.width, y: $0 / image.width) == hottest }.count
        XCTAssertGreaterThanOrEqual(count, 16 * 16, "a 2×2 field is drawn in 16×16 blocks")
    }
}

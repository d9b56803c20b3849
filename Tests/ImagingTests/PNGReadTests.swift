import XCTest
@testable import Imaging

/// Every PNG kind a user may hand over, made with libpng itself and read back sample by sample.
final class PNGReadTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder(self)
    }

    private func path(_ name: String) -> String { "\(folder)/\(name).png" }

    /// Deterministic samples in 0..<levels, varied enough to catch swapped rows or channels.
    private func pattern(_ count: Int, levels: Int) -> [UInt16] {
        (0..<count).map { UInt16((($0 * 7919) ^ ($0 >> 3)) % levels) }
    }

    private func assertSamples(_ image: Image, _ expected: [Float], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(image.pixels.count, expected.count, file: file, line: line)
        for (i, (got, want)) in zip(image.pixels, expected).enumerated() where got != want {
            XCTFail("sample \(i): got \(got), expected \(want)", file: file, line: line)
            return
        }
    }

    func testGrayAtEveryBitDepth() throws {
        let (w, h) = (7, 5) // odd width: sub-byte rows end mid-byte
        for depth in [1, 2, 4, 8] {
            let levels = 1 << depth
            let samples = pattern(w * h, levels: levels)
            writeRawPNG(path("gray\(depth)"), width: w, height: h, bitDepth: depth, colorType: .gray, samples: samples)
            let image = try PNG.read(path("gray\(depth)"))
            XCTAssertEqual([image.width, image.height, image.channels], [w, h, 1])
            // libpng widens v to v · 255 / (2^depth − 1) exactly (1 → 255, 2-bit ×85, 4-bit ×17).
            let widen = 255 / (levels - 1)
            assertSamples(image, samples.map { Float(Int($0) * widen) / 255 })
        }
    }

    func testSixteenBitGrayKeepsFullPrecision() throws {
        let samples: [UInt16] = [0, 1, 2, 255, 256, 257, 32767, 32768, 65534, 65535, 4660, 43981]
        writeRawPNG(path("gray16"), width: 4, height: 3, bitDepth: 16, colorType: .gray, samples: samples)
        let image = try PNG.read(path("gray16"))
        assertSamples(image, samples.map { Float($0) / 65535 })
        XCTAssertNotEqual(image.pixels[1], image.pixels[2], "neighbouring 16-bit levels must stay distinct")
    }

    func testRGB8And16() throws {
        let (w, h) = (5, 4)
        let rgb8 = pattern(w * h * 3, levels: 256)
        writeRawPNG(path("rgb8"), width: w, height: h, bitDepth: 8, colorType: .rgb, samples: rgb8)
        let image8 = try PNG.read(path("rgb8"))
        XCTAssertEqual(image8.channels, 3)
        assertSamples(image8, rgb8.map { Float($0) / 255 })

        let rgb16 = pattern(w * h * 3, levels: 65536).map { $0 &* 61 }
        writeRawPNG(path("rgb16"), width: w, height: h, bitDepth: 16, colorType: .rgb, samples: rgb16)
        assertSamples(try PNG.read(path("rgb16")), rgb16.map { Float($0) / 65535 })
    }

    func testGrayAlphaCompositesOntoTheChosenBackground() throws {
        // (gray, alpha) pairs: opaque, transparent, half.
        let samples: [UInt16] = [200, 255, 200, 0, 100, 128, 0, 64]
        writeRawPNG(path("ga"), width: 2, height: 2, bitDepth: 8, colorType: .grayAlpha, samples: samples)

        let onBlack = try PNG.read(path("ga"))
        XCTAssertEqual(onBlack.channels, 1, "gray + alpha over a gray background stays gray")
        let expectedOnBlack: [Float] = stride(from: 0, to: 8, by: 2).map {
            let a = Float(samples[$0 + 1]) / 255
            return a * (Float(samples[$0]) / 255) + (1 - a) * 0
        }
        assertSamples(onBlack, expectedOnBlack)
        XCTAssertEqual(onBlack.pixels[0], 200 / 255, "opaque keeps its value")
        XCTAssertEqual(onBlack.pixels[1], 0, "fully transparent shows the black background")

        let teal = Color(r: 0, g: 0.5, b: 0.75)
        let onTeal = try PNG.read(path("ga"), background: teal)
        XCTAssertEqual(onTeal.channels, 3, "a coloured background makes the result RGB")
        XCTAssertEqual(onTeal.color(x: 1, y: 0), teal, "fully transparent is exactly the background")
        XCTAssertEqual(onTeal.color(x: 0, y: 0), Color(gray: 200 / 255))
        let a = Float(128) / 255, g = Float(100) / 255
        XCTAssertEqual(onTeal.color(x: 0, y: 1), Color(r: a * g + (1 - a) * teal.r, g: a * g + (1 - a) * teal.g, b: a * g + (1 - a) * teal.b))
    }

    func testRGBACompositing8And16Bit() throws {
        // Opaque red, transparent green, quarter-opaque blue, half-opaque white.
        let rgba8: [UInt16] = [255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 64, 255, 255, 255, 128]
        writeRawPNG(path("rgba8"), width: 2, height: 2, bitDepth: 8, colorType: .rgba, samples: rgba8)
        let onBlack = try PNG.read(path("rgba8"))
        XCTAssertEqual(onBlack.channels, 3)
        XCTAssertEqual(onBlack.color(x: 0, y: 0), .red)
        XCTAssertEqual(onBlack.color(x: 1, y: 0), .black)
        XCTAssertEqual(onBlack.color(x: 0, y: 1), Color(r: 0, g: 0, b: Float(64) / 255))
        XCTAssertEqual(onBlack.color(x: 1, y: 1), Color(gray: Float(128) / 255))

        let onWhite = try PNG.read(path("rgba8"), background: .white)
        XCTAssertEqual(onWhite.color(x: 1, y: 0), .white)
        let a = Float(64) / 255
        XCTAssertEqual(onWhite.color(x: 0, y: 1), Color(r: 1 - a, g: 1 - a, b: a + (1 - a)))

        let rgba16: [UInt16] = [65535, 0, 1000, 65535, 0, 0, 0, 0, 30000, 40000, 50000, 32768, 1, 2, 3, 65535]
        writeRawPNG(path("rgba16"), width: 2, height: 2, bitDepth: 16, colorType: .rgba, samples: rgba16)
        let deep = try PNG.read(path("rgba16"), background: Color(r: 0.25, g: 0.5, b: 1))
        XCTAssertEqual(deep.color(x: 0, y: 0), Color(r: 1, g: 0, b: Float(1000) / 65535))
        XCTAssertEqual(deep.color(x: 1, y: 0), Color(r: 0.25, g: 0.5, b: 1))
        let h = Float(32768) / 65535
        XCTAssertEqual(deep.color(x: 0, y: 1),
                       Color(r: h * (Float(30000) / 65535) + (1 - h) * 0.25,
                             g: h * (Float(40000) / 65535) + (1 - h) * 0.5,
                             b: h * (Float(50000) / 65535) + (1 - h) * 1))
        XCTAssertEqual(deep.color(x: 1, y: 1), Color(r: 1 / 65535, g: 2 / 65535, b: 3 / 65535))
    }

    func testPaletteWithoutAndWithTransparency() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 128, 0, 10, 20, 30, 255, 255, 255]
        let indices: [UInt16] = [0, 1, 2, 3, 3, 2, 1, 0, 1]
        for depth in [2, 4, 8] {
            writeRawPNG(path("pal\(depth)"), width: 3, height: 3, bitDepth: depth, colorType: .palette,
                        samples: indices, palette: palette)
            let image = try PNG.read(path("pal\(depth)"))
            XCTAssertEqual(image.channels, 3)
            assertSamples(image, indices.flatMap { i in (0..<3).map { Float(palette[Int(i) * 3 + $0]) / 255 } })
        }
        // tRNS: entry 0 opaque, 1 transparent, 2 half; entry 3 has no alpha given, so it is opaque.
        let alphas: [UInt8] = [255, 0, 128]
        writeRawPNG(path("paltrns"), width: 3, height: 3, bitDepth: 8, colorType: .palette,
                    samples: indices, palette: palette, transAlpha: alphas)
        let background = Color(r: 0.2, g: 0.4, b: 0.6)
        let image = try PNG.read(path("paltrns"), background: background)
        let expected: [Float] = indices.flatMap { i -> [Float] in
            let a = Int(i) < alphas.count ? Float(alphas[Int(i)]) / 255 : 1
            let bg = [background.r, background.g, background.b]
            return (0..<3).map { a * Float(palette[Int(i) * 3 + $0]) / 255 + (1 - a) * bg[$0] }
        }
        assertSamples(image, expected)
        XCTAssertEqual(image.color(x: 1, y: 0), background, "the transparent entry shows the background")
    }

    func testGrayAndRGBTransparentColourKeys() throws {
        writeRawPNG(path("graykey"), width: 3, height: 1, bitDepth: 8, colorType: .gray,
                    samples: [7, 8, 255], transColor: [7])
        let gray = try PNG.read(path("graykey"), background: Color(gray: 0.5))
        XCTAssertEqual(gray.channels, 1)
        assertSamples(gray, [0.5, Float(8) / 255, 1])

        writeRawPNG(path("rgbkey"), width: 2, height: 1, bitDepth: 16, colorType: .rgb,
                    samples: [1, 2, 3, 1, 2, 4], transColor: [1, 2, 3])
        let rgb = try PNG.read(path("rgbkey"), background: .white)
        XCTAssertEqual(rgb.color(x: 0, y: 0), .white)
        XCTAssertEqual(rgb.color(x: 1, y: 0), Color(r: 1 / 65535, g: 2 / 65535, b: 4 / 65535))
    }

    func testInterlacedMatchesNonInterlaced() throws {
        let (w, h) = (13, 11) // not a multiple of the 8×8 Adam7 block
        let kinds: [(PNGColorType, Int, Int)] = [(.rgb, 8, 256), (.gray, 1, 2), (.gray, 16, 65536), (.rgba, 8, 256)]
        for (kind, depth, levels) in kinds {
            let samples = pattern(w * h * kind.samplesPerPixel, levels: levels)
            writeRawPNG(path("plain"), width: w, height: h, bitDepth: depth, colorType: kind, samples: samples)
            writeRawPNG(path("adam7"), width: w, height: h, bitDepth: depth, colorType: kind, interlaced: true, samples: samples)
            let plain = try PNG.read(path("plain"), background: Color(gray: 0.3))
            let adam7 = try PNG.read(path("adam7"), background: Color(gray: 0.3))
            XCTAssertEqual(adam7, plain, "Adam7 \(kind) \(depth)-bit")
            XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: path("plain"))),
                              try Data(contentsOf: URL(fileURLWithPath: path("adam7"))), "the files really differ")
        }
        let rgb = pattern(w * h * 3, levels: 256)
        writeRawPNG(path("adam7rgb"), width: w, height: h, bitDepth: 8, colorType: .rgb, interlaced: true, samples: rgb)
        assertSamples(try PNG.read(path("adam7rgb")), rgb.map { Float($0) / 255 })
    }

    func testImageInitialiserReadsLikePNGRead() throws {
        writeRawPNG(path("small"), width: 2, height: 1, bitDepth: 8, colorType: .gray, samples: [0, 255])
        XCTAssertEqual(try Image(contentsOfPNG: path("small")), try PNG.read(path("small")))
    }
}

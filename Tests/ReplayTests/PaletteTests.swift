import Foundation
import Imaging
import XCTest
@testable import Replay

final class PaletteTests: XCTestCase {
    /// A smooth two-dimensional colour gradient, the kind of picture a splat render is.
    private func gradient(width: Int = 256, height: Int = 96) -> Image {
        var image = Image(width: width, height: height, channels: 3)
        for y in 0..<height {
            for x in 0..<width {
                let u = Float(x) / Float(width - 1), v = Float(y) / Float(height - 1)
                image[x: x, y: y, c: 0] = 0.1 + 0.8 * u
                image[x: x, y: y, c: 1] = 0.2 + 0.5 * v * (1 - u)
                image[x: x, y: y, c: 2] = 0.9 - 0.7 * u * v
            }
        }
        return image
    }

    /// Mean absolute difference per channel, in 8-bit levels, after averaging both images
    /// over `box`×`box` blocks (what the eye sees of dithering from a normal distance).
    private func meanError(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int, box: Int) -> Double {
        var total = 0.0, count = 0
        for by in stride(from: 0, to: height - box + 1, by: box) {
            for bx in stride(from: 0, to: width - box + 1, by: box) {
                for c in 0..<3 {
                    var sa = 0.0, sb = 0.0
                    for y in by..<(by + box) { for x in bx..<(bx + box) {
                        sa += Double(a[(y * width + x) * 3 + c]); sb += Double(b[(y * width + x) * 3 + c])
                    } }
                    total += abs(sa - sb) / Double(box * box)
                    count += 1
                }
            }
        }
        return total / Double(count)
    }

    private func mapped(_ indices: [UInt8], _ palette: Palette) -> [UInt8] {
        indices.flatMap { i -> [UInt8] in let c = palette.colors[Int(i)]; return [c.r, c.g, c.b] }
    }

    func testFewColoursAreKeptExactly() {
        let samples: [UInt8] = [255, 255, 255, 0, 0, 0, 255, 255, 255, 31, 119, 180]
        let palette = Palette.medianCut(samples: samples)
        XCTAssertEqual(Set(palette.colors), [RGB8(r: 255, g: 255, b: 255), RGB8(r: 0, g: 0, b: 0), RGB8(r: 31, g: 119, b: 180)])
    }

    func testNearestSearchAgreesWithBruteForce() {
        var sampler = PaletteSampler(frameCount: 1)
        sampler.add(gradient())
        let palette = Palette.medianCut(samples: sampler.samples, size: 64)
        XCTAssertEqual(palette.colors.count, 64)
        let mapper = PaletteMapper(palette: palette)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let (r, g, b) = (Int32.random(in: 0...255, using: &rng), Int32.random(in: 0...255, using: &rng), Int32.random(in: 0...255, using: &rng))
            let distances = palette.colors.map { c -> Int32 in
                let (dr, dg, db) = (Int32(c.r) - r, Int32(c.g) - g, Int32(c.b) - b)
                return dr * dr + dg * dg + db * db
            }
            let found = Int(mapper.nearest(r: r, g: g, b: b))
            XCTAssertEqual(distances[found], distances.min()!, "(\(r), \(g), \(b))")
        }
    }

    /// The palette-quality bound: a smooth gradient through a 256-colour palette with
    /// Floyd–Steinberg dithering stays within 1 level (of 255) per channel on average when
    /// viewed in 4×4 blocks, and within 3 levels pixel by pixel.
    func testASmoothGradientQuantisesWithoutBanding() {
        let image = gradient()
        let bytes = rgbBytes(of: image)
        // The gradient shares the palette with flat interface colours, as in a real frame.
        var sampler = PaletteSampler(frameCount: 2)
        sampler.add(rgbBytes: bytes)
        sampler.add(Image(width: 256, height: 96, color: .white))
        let palette = Palette.medianCut(samples: sampler.samples)
        XCTAssertTrue(palette.colors.contains(RGB8(r: 255, g: 255, b: 255)), "the flat background has an exact entry")
        let mapper = PaletteMapper(palette: palette)
        let whole = [PixelRect(x: 0, y: 0, width: image.width, height: image.height)]
        let dithered = mapped(mapper.indices(rgbBytes: bytes, width: image.width, height: image.height, smooth: whole), palette)
        let plain = mapped(mapper.indices(rgbBytes: bytes, width: image.width, height: image.height, smooth: []), palette)

        let ditheredPixel = meanError(bytes, dithered, width: image.width, height: image.height, box: 1)
        let ditheredBlock = meanError(bytes, dithered, width: image.width, height: image.height, box: 4)
        let plainBlock = meanError(bytes, plain, width: image.width, height: image.height, box: 4)
        print("gradient error: pixel \(ditheredPixel), 4x4 \(ditheredBlock), undithered 4x4 \(plainBlock)")
        XCTAssertLessThan(ditheredPixel, 3.0, "mean per-pixel error in 8-bit levels")
        XCTAssertLessThan(ditheredBlock, 1.0, "mean error seen over 4×4 blocks")
        XCTAssertLessThan(ditheredBlock, plainBlock, "dithering hides the steps between palette entries")
    }

    func testFlatAreasOutsideSmoothRegionsMapExactly() {
        var image = gradient(width: 64, height: 32)
        // The left half flat white, as a frame's margin.
        for y in 0..<32 { for x in 0..<32 { for c in 0..<3 { image[x: x, y: y, c: c] = 1 } } }
        let bytes = rgbBytes(of: image)
        var sampler = PaletteSampler(frameCount: 1)
        sampler.add(rgbBytes: bytes)
        let palette = Palette.medianCut(samples: sampler.samples, size: 16)
        let indices = PaletteMapper(palette: palette).indices(
            rgbBytes: bytes, width: 64, height: 32, smooth: [PixelRect(x: 32, y: 0, width: 32, height: 32)])
        let out = mapped(indices, palette)
        for y in 0..<32 { for x in 0..<32 {
            XCTAssertEqual(out[(y * 64 + x) * 3], 255, "(\(x), \(y)) stays white next to the dithered half")
        } }
    }
}

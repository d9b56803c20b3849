import XCTest
@testable import Imaging

final class ImageGridTests: XCTestCase {
    func testTilePlacementAndPaddingAreExact() {
        // Three 2×2 gray tiles, two per row, 1 px of padding in gray 0.25, values used as they are.
        let tiles: [Float] = [
            0.1, 0.2, 0.3, 0.4,
            0.5, 0.6, 0.7, 0.8,
            0.9, 1.0, 0.0, 0.05,
        ]
        let grid = ImageGrid(columns: 2, padding: 1, padColor: Color(gray: 0.25), scaling: .none)
        let image = grid.render(tiles, shape: [3, 1, 2, 2])
        XCTAssertEqual([image.width, image.height, image.channels], [7, 7, 3])
        let p: Float = 0.25
        let expected: [[Float]] = [
            [p, p, p, p, p, p, p],
            [p, 0.1, 0.2, p, 0.5, 0.6, p],
            [p, 0.3, 0.4, p, 0.7, 0.8, p],
            [p, p, p, p, p, p, p],
            [p, 0.9, 1.0, p, p, p, p], // the missing fourth tile is padding
            [p, 0.0, 0.05, p, p, p, p],
            [p, p, p, p, p, p, p],
        ]
        for y in 0..<7 {
            for x in 0..<7 {
                XCTAssertEqual(image.color(x: x, y: y), Color(gray: expected[y][x]), "(\(x), \(y))")
            }
        }
    }

    func testChannelsFirstBuffersBecomeRGBTiles() {
        // [1, 3, 1, 2]: r plane, g plane, b plane.
        let image = ImageGrid(padding: 0, scaling: .none).render([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], shape: [1, 3, 1, 2])
        XCTAssertEqual(image.color(x: 0, y: 0), Color(r: 0.1, g: 0.3, b: 0.5))
        XCTAssertEqual(image.color(x: 1, y: 0), Color(r: 0.2, g: 0.4, b: 0.6))
    }

    func testSymmetricScalingMapsZeroToTheNeutralColour() {
        let weights: [Float] = [-2, 0, 1, 0.5, 0, -0.25, 0.125, 0]
        let gray = ImageGrid(padding: 0, scaling: .global, symmetric: true).render(weights, shape: [2, 1, 2, 2])
        XCTAssertEqual(gray.color(x: 1, y: 0), Color(gray: 0.5), "0 is mid-grey")
        XCTAssertEqual(gray.color(x: 0, y: 0), .black, "−max is black")
        XCTAssertEqual(gray.color(x: 0, y: 1), Color(gray: 0.75), "+max/2 is three-quarter grey")
        let diverging = ImageGrid(padding: 0, scaling: .perTile, symmetric: true, colorMap: .diverging)
            .render(weights, shape: [2, 1, 2, 2])
        for (x, y) in [(1, 0), (2, 0), (3, 1)] {
            XCTAssertEqual(diverging.color(x: x, y: y), .white, "0 is white in the diverging map at (\(x), \(y))")
        }
        // An all-zero RGB kernel is mid-grey, whatever the scaling.
        let zeros = ImageGrid(padding: 0, scaling: .perTile, symmetric: true).render([Float](repeating: 0, count: 12), shape: [1, 3, 2, 2])
        XCTAssertTrue(zeros.pixels.allSatisfy { $0 == 0.5 })
    }

    func testPerTileScalingStretchesEachTile() {
        let tiles: [Float] = [1, 2, 3, 100, 200, 300]
        let image = ImageGrid(padding: 0, scaling: .perTile).render(tiles, shape: [2, 1, 1, 3])
        XCTAssertEqual(image.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), [0, 0.5, 1, 0, 0.5, 1])
        let global = ImageGrid(padding: 0, scaling: .global).render(tiles, shape: [2, 1, 1, 3])
        XCTAssertEqual(global.color(x: 5, y: 0), .white)
        XCTAssertEqual(global.color(x: 0, y: 0), .black)
    }

    func testUpscaleAndCaptions() {
        let kernel = (0..<49).map { Float($0) / 48 }
        let grid = ImageGrid(columns: 4, padding: 2, scaling: .none, upscale: 8, captions: ["a", "bb"])
        let image = grid.render(kernel + kernel, shape: [2, 1, 7, 7])
        let captionHeight = Canvas.textBox("0").height + 5
        XCTAssertEqual([image.width, image.height], [2 * (56 + 2) + 2, 56 + 2 + captionHeight + 2])
        // Each kernel pixel is an 8×8 block.
        XCTAssertEqual(image.color(x: 2 + 8 * 3 + 7, y: 2 + 8 * 5), Color(gray: Float(5 * 7 + 3) / 48))
        XCTAssertEqual(image.color(x: 2 + 8 * 3, y: 2 + 8 * 5 + 7), Color(gray: Float(5 * 7 + 3) / 48))
        // Captions are white on the black padding, under each tile.
        let strip = image.cropped(x: 0, y: 2 + 56, width: image.width, height: captionHeight)
        XCTAssertGreaterThan(strip.pixels.filter { $0 == 1 }.count, 10)
    }

    func testImagesOfMixedChannelsShareAGrid() {
        let gray = Image(width: 2, height: 1, channels: 1, pixels: [0.2, 0.4])
        let rgb = Image(width: 2, height: 1, channels: 3, pixels: [1, 0, 0, 0, 1, 0])
        let image = ImageGrid(padding: 1, scaling: .none).render([gray, rgb])
        XCTAssertEqual(image.color(x: 1, y: 1), Color(gray: 0.2))
        XCTAssertEqual(image.color(x: 4, y: 1), .red)
        XCTAssertEqual(image.color(x: 3, y: 1), .black)
    }
}

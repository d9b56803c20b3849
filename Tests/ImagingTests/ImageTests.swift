import XCTest
@testable import Imaging

final class ImageTests: XCTestCase {
    func testLayoutIsRowMajorInterleaved() {
        var image = Image(width: 3, height: 2, channels: 3)
        image[x: 2, y: 1, c: 1] = 0.5
        XCTAssertEqual(image.pixels[(1 * 3 + 2) * 3 + 1], 0.5)
        XCTAssertEqual(image.color(x: 2, y: 1), Color(r: 0, g: 0.5, b: 0))
    }

    func testGrayRGBConversionAndLuminance() {
        let gray = Image(width: 2, height: 1, channels: 1, pixels: [0.25, 1])
        let rgb = gray.rgb()
        XCTAssertEqual(rgb.pixels, [0.25, 0.25, 0.25, 1, 1, 1])
        XCTAssertEqual(rgb.gray().pixels[0], 0.25, accuracy: 1e-6, "gray → RGB → gray is the identity")
        XCTAssertEqual(rgb.gray().pixels[1], 1, accuracy: 1e-6)
        let colours = Image(width: 3, height: 1, channels: 3, pixels: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        XCTAssertEqual(colours.luminance(), [0.299, 0.587, 0.114])
        XCTAssertEqual(gray.luminance(), gray.pixels)
        XCTAssertEqual(gray.gray(), gray)
    }

    func testCropAndClamp() {
        let image = Image(width: 3, height: 3, channels: 1, pixels: [0, 1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(image.cropped(x: 1, y: 1, width: 2, height: 2).pixels, [4, 5, 7, 8])
        let wild = Image(width: 3, height: 1, channels: 1, pixels: [-1, .nan, 2])
        XCTAssertEqual(wild.clamped().pixels, [0, 0, 1])
    }

    func testColourHelpers() {
        XCTAssertEqual(Color(hex: 0xFF8000), Color(r: 1, g: Float(128) / 255, b: 0))
        XCTAssertTrue(Color(gray: 0.3).isGray)
        XCTAssertFalse(Color.red.isGray)
        XCTAssertEqual(Color.black.mixed(with: .white, 0.25), Color(gray: 0.25))
        XCTAssertEqual(Color.red.mixed(with: .blue, 1), .blue)
    }
}

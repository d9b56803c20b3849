import XCTest
@testable import Imaging

final class BitmapFontTests: XCTestCase {
    func testEveryPrintableASCIICharacterHasADistinctGlyph() {
        var seen: [[UInt8]: Character] = [:]
        for code in 0x20...0x7E {
            let character = Character(UnicodeScalar(UInt8(code)))
            let rows = BitmapFont.glyph(character)
            XCTAssertEqual(rows.count, 8)
            XCTAssertTrue(rows.allSatisfy { $0 < 32 }, "5 bits per row for \(character)")
            XCTAssertTrue(BitmapFont.hasGlyph(character))
            if let other = seen[rows] { XCTFail("'\(character)' looks exactly like '\(other)'") }
            seen[rows] = character
            XCTAssertEqual(rows.allSatisfy { $0 == 0 }, character == " ", "only space is blank: \(character)")
        }
        XCTAssertFalse(BitmapFont.hasGlyph("€"))
        XCTAssertEqual(BitmapFont.glyph("€"), BitmapFont.glyph("☃"), "unknown characters share the box glyph")
    }

    func testGlyphRendersItsBitmap() {
        // "A" at scale 1 and 2, drawn at the origin: the canvas must show exactly the table's bits.
        let rows = BitmapFont.glyph("A")
        XCTAssertEqual(rows, [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11, 0x00])
        for scale in [1, 2] {
            var canvas = Canvas(width: 6 * scale, height: 8 * scale, background: .white)
            canvas.drawText("A", x: 0, y: 0, color: .black, scale: scale)
            for y in 0..<(8 * scale) {
                for x in 0..<(5 * scale) {
                    let on = rows[y / scale] & (0x10 >> UInt8(x / scale)) != 0
                    XCTAssertEqual(canvas.image.color(x: x, y: y), on ? .black : .white, "scale \(scale) (\(x), \(y))")
                }
            }
        }
    }

    func testTextSizeAndAnchoring() {
        XCTAssertEqual(BitmapFont.size(of: "abc").width, 17)
        XCTAssertEqual(BitmapFont.size(of: "abc", scale: 3).width, 51)
        XCTAssertEqual(BitmapFont.size(of: "ab\nlonger").height, 18)
        XCTAssertEqual(BitmapFont.size(of: "ab\nlonger").width, 35)
        XCTAssertEqual(Canvas.textBox("x", scale: 2).height, 14, "anchoring uses the cap height")

        var canvas = Canvas(width: 40, height: 20, background: .white)
        let box = canvas.drawText("I", x: 20, y: 10, scale: 2, anchor: .center)
        XCTAssertEqual(box.x, 20 - 5)
        XCTAssertEqual(box.y, 10 - 7)
        // "I" has a full-width top bar from column 1 to 3 of the glyph.
        XCTAssertEqual(canvas.image.color(x: box.x + 2, y: box.y), .black)
        XCTAssertEqual(canvas.image.color(x: box.x, y: box.y), .white)
    }

    func testRotatedTextReadsBottomToTop() {
        var canvas = Canvas(width: 10, height: 20, background: .white)
        canvas.drawText("L", x: 0, y: 0, rotated: true)
        // "L" is a vertical stem (column 0) and a bottom bar (row 6). Turned 90° counter-clockwise,
        // the stem becomes the bottom row of its 7×5 box and the bar the right-hand column.
        for x in 0..<7 { XCTAssertEqual(canvas.image.color(x: x, y: 4), .black, "stem at x \(x)") }
        for y in 0..<5 { XCTAssertEqual(canvas.image.color(x: 6, y: y), .black, "bar at y \(y)") }
        XCTAssertEqual(canvas.image.color(x: 0, y: 0), .white)
    }
}

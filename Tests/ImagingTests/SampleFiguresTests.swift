import Foundation
import XCTest
@testable import Imaging

/// Writes the figures a person should look at to judge this module, to
/// `$IMAGING_SAMPLES` (default: a folder under the temporary directory), and
/// checks each reads back as the image that was written.
final class SampleFiguresTests: XCTestCase {
    private func folder() throws -> String {
        let path = ProcessInfo.processInfo.environment["IMAGING_SAMPLES"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("imaging-samples").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func save(_ image: Image, _ name: String) throws {
        let path = "\(try folder())/\(name).png"
        try image.write(toPNG: path)
        let back = try PNG.read(path)
        XCTAssertEqual([back.width, back.height, back.channels], [image.width, image.height, image.channels], name)
    }

    func testTextSample() throws {
        var canvas = Canvas(width: 660, height: 250)
        let lines = [
            " !\"#$%&'()*+,-./0123456789:;<=>?",
            "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_",
            "`abcdefghijklmnopqrstuvwxyz{|}~",
            "R² = 0.84  σ = 1.5 px  θ = 45°  3×3  −0.25 ± 0.01  µ…",
        ]
        var y = 8
        for scale in [1, 2] {
            for line in lines {
                canvas.drawText(line, x: 8, y: y, scale: scale)
                y += BitmapFont.lineHeight * scale + 2
            }
        }
        canvas.drawText("Epoch 12: loss 0.0314, acc 97.5%", x: 8, y: y + 4, color: Color(hex: 0x1F77B4), scale: 3)
        canvas.drawText("rotated", x: 640, y: 240, scale: 2, anchor: .bottomRight, rotated: true)
        XCTAssertLessThan(canvas.image.pixels.min()!, 0.5, "some text was drawn")
        try save(canvas.image, "text")
    }
}

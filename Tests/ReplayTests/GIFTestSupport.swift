import CGIF
import Foundation
import XCTest

/// A GIF read back through giflib's `DGifSlurp`: what the tests check about written files.
struct DecodedGIF {
    var width: Int
    var height: Int
    var frameCount: Int
    /// Per frame, hundredths of a second (from its graphics control block).
    var delays: [Int]
    /// Whether a NETSCAPE2.0 application extension is present, and its loop count.
    var loopCount: Int?
    /// The global palette as bytes, 3 per entry.
    var palette: [UInt8]
    /// Per frame, `[height, width, 3]` RGB bytes through the palette.
    var frames: [[UInt8]]

    static func read(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> DecodedGIF {
        var error: Int32 = 0
        let gif = try XCTUnwrap(DGifOpenFileName(path, &error), "DGifOpenFileName: \(String(cString: GifErrorString(error)))", file: file, line: line)
        defer { DGifCloseFile(gif, &error) }
        XCTAssertEqual(DGifSlurp(gif), GIF_OK, "DGifSlurp: \(String(cString: GifErrorString(gif.pointee.Error)))", file: file, line: line)
        let width = Int(gif.pointee.SWidth), height = Int(gif.pointee.SHeight)
        let count = Int(gif.pointee.ImageCount)
        var palette: [UInt8] = []
        if let map = gif.pointee.SColorMap {
            for k in 0..<Int(map.pointee.ColorCount) {
                let c = map.pointee.Colors[k]
                palette += [c.Red, c.Green, c.Blue]
            }
        }
        var delays: [Int] = [], frames: [[UInt8]] = [], loopCount: Int?
        for i in 0..<count {
            var gcb = GraphicsControlBlock()
            delays.append(DGifSavedExtensionToGCB(gif, Int32(i), &gcb) == GIF_OK ? Int(gcb.DelayTime) : -1)
            let saved = gif.pointee.SavedImages[i]
            // The loop extension travels with the first image's extension blocks.
            for e in 0..<Int(saved.ExtensionBlockCount) {
                let block = saved.ExtensionBlocks[e]
                if block.Function == APPLICATION_EXT_FUNC_CODE, block.ByteCount == 11,
                   String(decoding: UnsafeBufferPointer(start: block.Bytes, count: 11), as: UTF8.self) == "NETSCAPE2.0",
                   e + 1 < Int(saved.ExtensionBlockCount) {
                    let data = saved.ExtensionBlocks[e + 1]
                    if data.ByteCount >= 3 { loopCount = Int(data.Bytes[1]) | Int(data.Bytes[2]) << 8 }
                }
            }
            let desc = saved.ImageDesc
            XCTAssertEqual([Int(desc.Left), Int(desc.Top), Int(desc.Width), Int(desc.Height)], [0, 0, width, height],
                           "frame \(i) covers the whole screen", file: file, line: line)
            var rgb = [UInt8](repeating: 0, count: width * height * 3)
            for p in 0..<(width * height) {
                let index = Int(saved.RasterBits[p])
                rgb[3 * p] = palette[3 * index]; rgb[3 * p + 1] = palette[3 * index + 1]; rgb[3 * p + 2] = palette[3 * index + 2]
            }
            frames.append(rgb)
        }
        return DecodedGIF(width: width, height: height, frameCount: count, delays: delays, loopCount: loopCount,
                          palette: palette, frames: frames)
    }
}

import Foundation
import XCTest
@testable import Imaging

/// The figures a person should look at to judge this module, pinned by golden hashes of
/// their 8-bit pixels: a change to the font, the grids, the charts or the colour maps shows
/// up here, and is accepted by looking at the new picture and updating its hash. Set
/// `IMAGING_SAMPLES=/some/folder` to write the pictures as PNGs for that look (and
/// `IMAGING_SAMPLES_PRINT=1` to print the new hashes).
final class SampleFiguresTests: XCTestCase {
    /// FNV-1a (64-bit) of the picture's size and its samples quantised to 8 bits, as PNG writes them.
    static func goldenHash(_ image: Image) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for value in [image.width, image.height, image.channels] { withUnsafeBytes(of: UInt32(value).littleEndian) { $0.forEach(mix) } }
        for sample in image.pixels { mix(UInt8((min(max(sample, 0), 1) * 255).rounded())) }
        return String(hash, radix: 16)
    }

    /// The pictures' hashes on Linux x86-64 (the CI machine); another libm may move a pixel.
    static let golden: [String: String] = [
        "canvas": "1a2297c44b91bfb7",
        "chart_accuracy": "7904596dd20773b0",
        "chart_loss": "c67bee4be4699bd9",
        "chart_loss_log": "5fdf679dc9e00996",
        "colormaps": "a188b8ae4d27e590",
        "grid_luma_diverging": "6201d00347f5f48f",
        "grid_luma_gray_pertile": "3cd6ba8ddacdf349",
        "grid_rgb_kernels": "4e4e69bf411a9949",
        "heatmap_correlation": "94445d658481ac2e",
        "heatmap_error": "a8c53ad11ed7c042",
        "histogram_weights": "d42420c19df498bc",
        "text": "8e741b662f753e9c",
    ]

    private func save(_ image: Image, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let environment = ProcessInfo.processInfo.environment
        if let folder = environment["IMAGING_SAMPLES"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try image.write(toPNG: "\(folder)/\(name).png")
        }
        let hash = SampleFiguresTests.goldenHash(image)
        if environment["IMAGING_SAMPLES_PRINT"] != nil { print("GOLDEN \"\(name)\": \"\(hash)\",") }
        XCTAssertEqual(hash, SampleFiguresTests.golden[name], "\(name) changed: look at it (IMAGING_SAMPLES) and update its hash",
                       file: file, line: line)
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

    /// A small deterministic generator (xorshift) so samples look the same every run.
    private struct Noise {
        var state: UInt64
        mutating func uniform() -> Float {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Float(state >> 40) / Float(1 << 24)
        }
        mutating func normal() -> Float {
            let u = max(uniform(), 1e-7), v = uniform()
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
    }

    func testKernelGridSamples() throws {
        var noise = Noise(state: 0x9E3779B97F4A7C15)
        // 16 kernels [16, 3, 7, 7]: smooth oriented stripes plus noise, like trained conv1 filters.
        var kernels = [Float]()
        for k in 0..<16 {
            let theta = Float(k) * .pi / 8, freq: Float = 0.15 + 0.02 * Float(k % 4)
            for c in 0..<3 {
                for y in 0..<7 {
                    for x in 0..<7 {
                        let (u, v) = (Float(x) - 3, Float(y) - 3)
                        let along = u * cos(theta) + v * sin(theta)
                        let envelope = exp(-(u * u + v * v) / 8)
                        let sign: Float = c == k % 3 ? 1 : 0.4 - 0.3 * Float(c)
                        kernels.append(sign * envelope * cos(2 * .pi * freq * along) * 0.3 + 0.05 * noise.normal())
                    }
                }
            }
        }
        let grid = ImageGrid(columns: 8, padding: 2, scaling: .global, symmetric: true, upscale: 8)
        let rgb = grid.render(kernels, shape: [16, 3, 7, 7])
        XCTAssertEqual([rgb.width, rgb.height], [8 * 58 + 2, 2 * 58 + 2])
        try save(rgb, "grid_rgb_kernels")

        var luma = [Float](repeating: 0, count: 16 * 49)
        for k in 0..<16 { for i in 0..<49 { luma[k * 49 + i] = (0..<3).map { kernels[(k * 3 + $0) * 49 + i] }.reduce(0, +) / 3 } }
        var diverging = ImageGrid(columns: 8, padding: 2, padColor: Color(gray: 0.5), scaling: .global, symmetric: true,
                                  colorMap: .diverging, upscale: 8, captions: (0..<16).map { "r2 0.\(60 + 2 * $0)" }, captionScale: 1)
        try save(diverging.render(luma, shape: [16, 1, 7, 7]), "grid_luma_diverging")
        diverging.scaling = .perTile
        diverging.colorMap = nil
        diverging.captions = []
        try save(diverging.render(luma, shape: [16, 1, 7, 7]), "grid_luma_gray_pertile")
    }

    func testChartSamples() throws {
        let epochs = 21
        let train = (0..<epochs).map { 1.8 * exp(-Double($0) / 4) + 0.08 + 0.02 * sin(Double($0)) }
        let test = (0..<epochs).map { 1.8 * exp(-Double($0) / 5) + 0.15 }
        let chart = LineChart(title: "Loss per epoch", xLabel: "epoch", yLabel: "cross-entropy",
                              series: [.init(name: "train", y: train), .init(name: "test", y: test)])
        try save(chart.render(), "chart_loss")
        var logChart = chart
        logChart.logY = true
        logChart.title = "Loss per epoch (log scale)"
        try save(logChart.render(), "chart_loss_log")
        let accuracy = LineChart(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy",
                                 series: [.init(name: "train", y: train.map { 1 - $0 / 2 }),
                                          .init(name: "test", y: test.map { 1 - $0 / 2.2 })],
                                 yRange: 0...1)
        try save(accuracy.render(), "chart_accuracy")

        var noise = Noise(state: 42)
        let before = (0..<4000).map { _ in noise.normal() * 0.12 }
        let after = (0..<4000).map { _ in noise.normal() * 0.05 + (noise.uniform() < 0.2 ? 0.15 : 0) }
        let histogram = HistogramChart(title: "conv1 weights", xLabel: "weight",
                                       samples: [("epoch 0", before), ("epoch 20", after)], bins: 50)
        try save(histogram.render(), "histogram_weights")
    }

    func testColorMapSamples() throws {
        var canvas = Canvas(width: 800, height: 330)
        let maps: [(ColorMap, ClosedRange<Float>, String)] = [
            (.viridis, 0...1, "viridis"), (.inferno, 0...0.25, "inferno |error|"), (.diverging, -0.8...0.8, "diverging weight"),
        ]
        for (row, (map, range, label)) in maps.enumerated() {
            ColorBar(map: map, range: range, label: label)
                .draw(on: &canvas, x: 20, y: 12 + row * 105, length: 440, thickness: 28, vertical: false)
            ColorBar(map: map, range: range).draw(on: &canvas, x: 540 + row * 90, y: 12, length: 290, thickness: 16)
        }
        try save(canvas.image, "colormaps")

        // A correlation-like matrix and an error map with their scales.
        var noise = Noise(state: 7)
        let n = 16
        var matrix = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { matrix[i * n + j] = i == j ? 1 : cos(Float(i - j) * 0.7) * 0.6 + 0.1 * noise.normal() } }
        try save(Heatmap(values: matrix, rows: n, columns: n, map: .diverging, range: -1...1,
                         title: "filter correlation", label: "r").render(), "heatmap_correlation")
        let error = (0..<(96 * 128)).map { i -> Float in
            let (x, y) = (Float(i % 128), Float(i / 128))
            return abs(sin(x / 9) * cos(y / 7)) * 0.2 + 0.02 * abs(noise.normal())
        }
        try save(Heatmap(values: error, rows: 96, columns: 128, map: .inferno, title: "|target - render|",
                         label: "abs error").render(), "heatmap_error")
    }

    func testCanvasSample() throws {
        var canvas = Canvas(width: 420, height: 260, background: Color(gray: 0.97))
        for k in 0..<12 {
            let angle = Double(k) * .pi / 12
            canvas.drawLine(from: Point(130, 130), to: Point(130 + 110 * cos(angle), 130 - 110 * sin(angle)),
                            color: Color.tab10[k % 10], width: 1 + Double(k % 3))
        }
        canvas.drawCircle(center: Point(130, 130), radius: 115, color: .black)
        canvas.fillEllipse(center: Point(320, 80), radii: (70, 25), angle: .pi / 6, color: Color(hex: 0xD62728), alpha: 0.6)
        canvas.drawEllipse(center: Point(320, 80), radii: (70, 25), angle: .pi / 6, color: .black, width: 1.5)
        canvas.fillCircle(center: Point(300, 190), radius: 40, color: Color(hex: 0x2CA02C), alpha: 0.5)
        canvas.fillCircle(center: Point(340, 200), radius: 40, color: Color(hex: 0x1F77B4), alpha: 0.5)
        canvas.strokeRect(x: 250, y: 140, width: 150, height: 110, color: .black, thickness: 2)
        canvas.drawText("Canvas", x: 325, y: 244, scale: 2, anchor: .bottom)
        try save(canvas.image, "canvas")
    }
}

import Foundation
import Imaging
import Storage

/// cnn frames:
///
/// ```
/// run name                                               epoch 3 / 20
/// [state] details: kernels, optimizer, test accuracy, Gabor score
/// conv1 kernels            | the snapshot's gabor.png (kernel | best-fit Gabor, R², label)
/// (one colour scale for    |
///  the whole run)          |
/// the snapshot's orientation.png | orientation resultant curve   (a row that runs from
///                                                                 before it existed leave out)
/// loss curve               | accuracy curves         | Gabor score curves
/// ```
///
/// The kernels are drawn from `conv1.npy` with one symmetric scale over every epoch (mid-grey =
/// 0), so that growth and decay of the weights show; without `.npy` files the snapshot's
/// `conv1.png` is used. Small pictures are enlarged by whole factors (nearest neighbour).
struct CNNFrames: ExperimentFrames {
    let run: ReplayRun
    let width: Int
    let height: Int
    var frameCount: Int { run.epochs.count }
    let smoothRegions: [PixelRect] = []

    /// conv1 per epoch (`[F, C, k, k]`), or nil to fall back to conv1.png.
    private let kernels: [NDArray]?
    /// The largest magnitude of any conv1 weight over the run.
    private let kernelScale: Float
    private let kernelColumns: Int
    private let kernelUpscale: Int
    private let gaborUpscale: Int
    private let panelTop: Int
    private let leftWidth: Int
    private let gaborX: Int
    /// Where orientation.png goes, and its size; nil when no snapshot has one.
    private let orientationTop: Int
    private let orientationSize: (width: Int, height: Int)?
    private let chartTop: Int

    static let curves = [
        MetricCurves(title: "loss", yLabel: "cross-entropy", lines: [
            .init(column: "train_loss", label: "train", color: Color.tab10[0]),
            .init(column: "test_loss", label: "test", color: Color.tab10[1]),
        ]),
        MetricCurves(title: "accuracy", yLabel: "", lines: [
            .init(column: "train_acc", label: "train", color: Color.tab10[0]),
            .init(column: "test_acc", label: "test", color: Color.tab10[1]),
        ], yRange: 0...1),
        MetricCurves(title: "Gabor score", yLabel: "", lines: [
            .init(column: "gabor_r2_median", label: "R²", color: Color.tab10[2], format: "%.2f"),
            .init(column: "osi_median", label: "OSI", color: Color.tab10[4], format: "%.2f"),
            .init(column: "gabor_frac", label: "gabor", color: Color.tab10[3], format: "%.2f"),
        ], yRange: 0...1),
    ]

    static var pageCurves: [MetricCurves] { curves + [orientationCurve] }

    static let panels: [(file: String, title: String)] = [
        (CNNSnapshotFile.conv1, "conv1 kernels (RGB)"), (CNNSnapshotFile.conv1Luma, "conv1 luminance"),
        (CNNSnapshotFile.gabor, "kernel | best-fit Gabor"), (CNNSnapshotFile.orientation, "preferred orientations"),
        (CNNSnapshotFile.features, "feature maps"), (CNNSnapshotFile.conv2, "conv2 kernels"),
        (CNNSnapshotFile.stats, "weight statistics"),
    ]

    /// Drawn beside orientation.png.
    static let orientationCurve = MetricCurves(title: "orientation spread", yLabel: "1 = one orientation", lines: [
        .init(column: "orientation_resultant", label: "resultant", color: Color.tab10[5], format: "%.2f"),
    ], yRange: 0...1)

    init(run: ReplayRun) throws {
        self.run = run
        let arrays = run.epochs.map { try? NPY.read(from: run.snapshotFile(epoch: $0, CNNSnapshotFile.conv1NPY)) }
        if let first = arrays.first.flatMap({ $0 }), first.shape.count == 4, arrays.allSatisfy({ $0?.shape == first.shape }) {
            kernels = arrays.map { $0! }
            kernelScale = arrays.map { $0!.values.reduce(Float(0)) { max($0, abs($1)) } }.max() ?? 1
            kernelColumns = Int(Double(first.shape[0]).squareRoot().rounded(.up))
            // Kernels about 84 pixels a side, whole factors only.
            kernelUpscale = max(4, min(16, 84 / max(1, first.shape[2])))
        } else {
            kernels = nil
            kernelScale = 1
            kernelColumns = 1
            kernelUpscale = 1
        }
        let gaborSizes = run.epochs.compactMap { pngSize(run.snapshotFile(epoch: $0, CNNSnapshotFile.gabor)) }
        let gaborNative = (gaborSizes.map(\.width).max() ?? 480, gaborSizes.map(\.height).max() ?? 320)
        // gabor.png uses the font at scale 1; doubling it makes its captions as legible as ours.
        gaborUpscale = gaborNative.0 <= 720 ? 2 : 1
        let gaborSize = (gaborNative.0 * gaborUpscale, gaborNative.1 * gaborUpscale)

        let m = FrameStyle.margin
        panelTop = FrameStyle.headerHeight + 12
        var left = 0, leftHeight = 0
        if kernels != nil {
            let panel = CNNFrames.kernelPanel(CNNFrames.kernelGrid(0, kernels: kernels!, columns: kernelColumns, upscale: kernelUpscale, scale: kernelScale),
                                              scale: kernelScale)
            (left, leftHeight) = (panel.width, panel.height)
        } else {
            let sizes = run.epochs.compactMap { pngSize(run.snapshotFile(epoch: $0, CNNSnapshotFile.conv1)) }
            left = sizes.map(\.width).max() ?? 480
            leftHeight = (sizes.map(\.height).max() ?? 200) + 24
        }
        leftWidth = left
        gaborX = m + left + 2 * FrameStyle.gap
        orientationTop = panelTop + max(leftHeight, gaborSize.1) + FrameStyle.gap
        let orientationSizes = run.epochs.compactMap { pngSize(run.snapshotFile(epoch: $0, CNNSnapshotFile.orientation)) }
        orientationSize = orientationSizes.isEmpty
            ? nil : (orientationSizes.map(\.width).max()!, orientationSizes.map(\.height).max()!)
        chartTop = orientationTop + (orientationSize.map { $0.height + FrameStyle.gap } ?? 0)
        width = max(gaborX + gaborSize.0 + m, m + (orientationSize.map { $0.width + FrameStyle.gap + 420 } ?? 0) + m, 1200)
        height = chartTop + FrameStyle.chartHeight + m
    }

    func frame(_ index: Int) throws -> Image {
        let epoch = run.epochs[index]
        var canvas = Canvas(width: width, height: height, background: .white)
        FrameStyle.drawHeader(on: &canvas, run: run, epoch: epoch, details: details(index))

        // conv1 kernels.
        if let kernels {
            let grid = CNNFrames.kernelGrid(index, kernels: kernels, columns: kernelColumns, upscale: kernelUpscale, scale: kernelScale)
            canvas.blit(CNNFrames.kernelPanel(grid, scale: kernelScale), x: FrameStyle.margin, y: panelTop)
        } else {
            canvas.blit(snapshotImage(epoch, CNNSnapshotFile.conv1, width: leftWidth, height: 200), x: FrameStyle.margin, y: panelTop)
        }
        // The Gabor panel as the trainer drew it.
        canvas.blit(snapshotImage(epoch, CNNSnapshotFile.gabor, width: 480, height: 320).upscaled(by: gaborUpscale), x: gaborX, y: panelTop)
        let m = FrameStyle.margin, gap = FrameStyle.gap
        if let orientationSize {
            canvas.blit(snapshotImage(epoch, CNNSnapshotFile.orientation, width: orientationSize.width, height: orientationSize.height),
                        x: m, y: orientationTop)
            if !CNNFrames.orientationCurve.available(in: run).isEmpty {
                let x = m + orientationSize.width + gap
                let chart = CNNFrames.orientationCurve.render(run: run, upTo: index, width: width - x - m,
                                                              height: FrameStyle.chartHeight)
                canvas.blit(chart, x: x, y: orientationTop + max(0, (orientationSize.height - FrameStyle.chartHeight) / 2))
            }
        }

        // Curves, side by side.
        FrameStyle.drawCharts(CNNFrames.curves, run: run, upTo: index, on: &canvas, top: chartTop)
        return canvas.image
    }

    /// "16 kernels 7×7 RGB · sgd lr 0.01 · test acc 0.912 · 38% gabor".
    private func details(_ index: Int) -> String {
        var parts: [String] = []
        if let first = kernels?.first {
            parts.append("\(first.shape[0]) kernels \(first.shape[2])×\(first.shape[3]) \(first.shape[1] == 3 ? "RGB" : "gray")")
        }
        let config = run.record.manifest.config
        if let optimizer = config["optimizer"]?.stringValue {
            parts.append(optimizer + (config["lr"]?.doubleValue.map { " lr \(Ticks.label($0, step: $0))" } ?? ""))
        }
        let accuracy = run.series("test_acc")[index], gabor = run.series("gabor_frac")[index]
        if accuracy.isFinite { parts.append(String(format: "test acc %.3f", accuracy)) }
        if gabor.isFinite { parts.append(String(format: "%.0f%% gabor", 100 * gabor)) }
        return parts.joined(separator: " · ")
    }

    /// The snapshot's PNG, or a placeholder saying it is missing.
    private func snapshotImage(_ epoch: Int, _ name: String, width: Int, height: Int) -> Image {
        let url = run.snapshotFile(epoch: epoch, name)
        if let image = try? PNG.read(url.path, background: .white) { return image }
        return FrameStyle.placeholder(width: width, height: height, text: "\(name) missing")
    }

    /// The grid of conv1 kernels at one epoch on the run's colour scale.
    private static func kernelGrid(_ index: Int, kernels: [NDArray], columns: Int, upscale: Int, scale: Float) -> Image {
        let array = kernels[index]
        let (f, c, kh, kw) = (array.shape[0], array.shape[1], array.shape[2], array.shape[3])
        let inverse = scale > 0 ? 0.5 / scale : 0
        var tiles = array.values.map { 0.5 + $0 * inverse }
        var channels = c
        if c != 1 && c != 3 { // luminance of unusual channel counts: the mean over channels
            tiles = (0..<(f * kh * kw)).map { i in
                let (k, p) = (i / (kh * kw), i % (kh * kw))
                return (0..<c).reduce(Float(0)) { $0 + tiles[(k * c + $1) * kh * kw + p] } / Float(c)
            }
            channels = 1
        }
        let grid = ImageGrid(columns: columns, padding: 6, padColor: .white, scaling: .none, upscale: upscale)
        return grid.render(tiles, shape: [f, channels, kh, kw])
    }

    private static func kernelPanel(_ grid: Image, scale: Float) -> Image {
        let note = "grey = 0, ±\(String(format: "%.3g", scale))\nsame scale all epochs"
        let noteBox = Canvas.textBox(note, scale: FrameStyle.textScale)
        let titledGrid = FrameStyle.titled(grid, "conv1 kernels")
        var canvas = Canvas(width: max(titledGrid.width, noteBox.width), height: titledGrid.height + 10 + noteBox.height + 8,
                            background: .white)
        canvas.blit(titledGrid, x: 0, y: 0)
        canvas.drawText(note, x: 0, y: titledGrid.height + 10, color: FrameStyle.muted, scale: FrameStyle.textScale)
        return canvas.image
    }
}

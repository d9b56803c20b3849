import Autograd
import Foundation
import Imaging
import Storage

/// The files of one cnn snapshot (docs/DESIGN.md §2): the first layer's kernels as numbers and
/// pictures, their Gabor analysis, conv2's kernels, feature maps of the test card, and
/// weight statistics beside those of epoch 0.
struct CNNSnapshot {
    let trainer: CNNTrainer
    let metrics: CNNEpochMetrics

    /// The side of the probe image whose feature maps are drawn.
    static let probeSize = 64

    /// Writes every file of the snapshot into `folder`; the pictures are drawn and encoded
    /// concurrently (each is independent), the first error thrown is rethrown.
    func write(to folder: URL) throws {
        let conv1 = trainer.model.conv1.weight        // [F, C, k, k]
        let conv2 = trainer.model.conv2.weight        // [2F, F, 5, 5]
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        try NPY.write(NDArray(shape: conv1.shape, values: conv1.data), to: folder.appendingPathComponent(CNNSnapshotFile.conv1NPY))
        try Data(metrics.gabor.csv.utf8).write(to: folder.appendingPathComponent(CNNSnapshotFile.gaborCSV))
        if let control = metrics.control {
            try Data(control.csv.utf8).write(to: folder.appendingPathComponent(CNNSnapshotFile.gaborControlCSV))
        }
        let epochTitle = "epoch \(metrics.epoch)"
        let (f, c, k) = (conv1.shape[0], conv1.shape[1], conv1.shape[2])
        let upscale = max(4, 56 / k)
        // The feature maps run the model (itself parallel): drawn here, written with the rest.
        let features = featurePanel()

        let pictures: [(name: String, draw: () -> Image)] = [
            (CNNSnapshotFile.stats, { statsPanel() }),
            (CNNSnapshotFile.gabor, { gaborPanel(k: k) }),
            (CNNSnapshotFile.orientation, {
                OrientationFigure(weights: conv1.data, shape: conv1.shape, summary: metrics.gabor, epoch: metrics.epoch).render()
            }),
            (CNNSnapshotFile.features, { features }),
            (CNNSnapshotFile.conv1, {
                // RGB kernels, one symmetric scale for all so mid-grey means 0.
                let rgbGrid = ImageGrid(columns: 8, padding: 4, padColor: .white, scaling: .global, symmetric: true,
                                        upscale: upscale, captions: (0..<f).map { "#\($0)" }, captionScale: 1)
                let rgb = c == 3 ? rgbGrid.render(conv1.data, shape: conv1.shape)
                                 : rgbGrid.render(conv1.data, shape: [f, 1, k, k])
                return Figure.titled(rgb, "conv1 kernels (\(c == 3 ? "RGB" : "gray"), grey = 0) - \(epochTitle)")
            }),
            (CNNSnapshotFile.conv1Luma, {
                // Luminance slices on the diverging map with a colour bar.
                let lumas = metrics.gabor.kernels.flatMap(\.luma)
                let lumaRange = ColorMap.range(of: lumas, symmetric: true)
                let lumaGrid = ImageGrid(columns: 8, padding: 4, padColor: .white, scaling: .global, symmetric: true,
                                         colorMap: .diverging, upscale: upscale,
                                         captions: (0..<f).map { "#\($0)" }, captionScale: 1)
                let lumaImage = lumaGrid.render(lumas, shape: [f, 1, k, k])
                let bar = ColorBar(map: .diverging, range: lumaRange, label: "weight", textScale: 1)
                    .render(length: lumaImage.height, thickness: 14)
                return Figure.titled(Figure.row([lumaImage, bar]), "conv1 luminance (blue < 0 < red) - \(epochTitle)")
            }),
            (CNNSnapshotFile.conv2, {
                // Every 5×5 slice, one row per output channel.
                let conv2Grid = ImageGrid(columns: conv2.shape[1], padding: 1, padColor: .white, scaling: .global,
                                          symmetric: true, colorMap: .diverging, upscale: 4)
                let conv2Image = conv2Grid.render(conv2.data, shape: [conv2.shape[0] * conv2.shape[1], 1,
                                                                       conv2.shape[2], conv2.shape[3]])
                return Figure.titled(conv2Image, "conv2 kernels: row = output, column = input channel - \(epochTitle)",
                                     scale: 1)
            }),
        ]
        let failures = UnsafeMutableBufferPointer<Error?>.allocate(capacity: pictures.count)
        failures.initialize(repeating: nil)
        defer { failures.deallocate() }
        Parallelism.forEachTask(pictures.count) { i in
            do { try pictures[i].draw().write(toPNG: path(pictures[i].name)) } catch { failures[i] = error }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
    }

    /// Each kernel's luminance beside its best-fit Gabor, with R² and label.
    private func gaborPanel(k: Int) -> Image {
        var tiles: [Float] = []
        var captions: [String] = []
        for (i, kernel) in metrics.gabor.kernels.enumerated() {
            let m = kernel.luma.map(abs).max() ?? 1
            let scale = m > 0 ? 1 / m : 1
            tiles += kernel.luma.map { $0 * scale }
            tiles += kernel.analysis.fit.rendered(size: k).map { Float($0) * scale }
            captions.append(String(format: "#%d %.2f", i, kernel.analysis.r2))
            captions.append(kernel.analysis.label.rawValue)
        }
        let grid = ImageGrid(columns: 8, padding: 4, padColor: .white, scaling: .none, colorMap: .diverging,
                             upscale: max(4, 56 / k), captions: captions, captionScale: 1)
        // The tiles are in [−1, 1]: map to [0, 1] with 0 at the diverging map's white.
        let image = grid.render(tiles.map { 0.5 + 0.5 * $0 }, shape: [tiles.count / (k * k), 1, k, k])
        let g = metrics.gabor
        let title = String(format: "kernel | best-fit Gabor, R² and label - epoch %d: median R² %.2f, OSI %.2f, %.0f%% gabor",
                           metrics.epoch, g.r2Median, g.osiMedian, 100 * g.gaborFraction)
        return Figure.titled(image, title, scale: 1)
    }

    /// The test card, then conv1's and conv2's ReLU outputs on it, most active channels first.
    private func featurePanel() -> Image {
        let model = trainer.model
        let config = trainer.config
        var card = TestCard.image(size: CNNSnapshot.probeSize)
        if config.gray { card = card.gray() }
        let channels = card.channels, plane = card.width * card.height
        var chw = [Float](repeating: 0, count: channels * plane)
        for p in 0..<plane {
            for ch in 0..<channels { chw[ch * plane + p] = card.pixels[p * channels + ch] }
        }
        // The probe takes the training images' path: retina, then the training set's statistics.
        chw.withUnsafeMutableBufferPointer { config.retina.apply($0.baseAddress!, channels: channels, side: card.width) }
        for ch in 0..<channels {
            let (mean, std) = (trainer.statistics.mean[ch], trainer.statistics.std[ch])
            for p in 0..<plane { chw[ch * plane + p] = (chw[ch * plane + p] - mean) / std }
        }
        let input = Tensor(shape: [1, channels, card.height, card.width], data: chw)
        let maps1 = withNoGrad { model.network(input, upTo: CNNA.conv1Index + 2) }   // conv1 · ReLU
        let maps2 = withNoGrad { model.network(input, upTo: CNNA.conv2Index + 2) }   // … conv2 · ReLU
        func sortedGrid(_ maps: Tensor, upscale: Int, columns: Int) -> Image {
            let (n, h, w) = (maps.shape[1], maps.shape[2], maps.shape[3])
            let area = h * w
            let activity = (0..<n).map { ch in maps.data[(ch * area)..<((ch + 1) * area)].reduce(0, +) }
            let order = (0..<n).sorted { activity[$0] > activity[$1] }
            // Each map stretched to its own maximum (weak channels still show their structure),
            // but a silent channel stays at the bottom of the map instead of being stretched.
            let layerMax = maps.data.max() ?? 0
            var values = [Float]()
            for ch in order {
                let slice = maps.data[(ch * area)..<((ch + 1) * area)]
                let scale = 1 / Swift.max(slice.max() ?? 0, 1e-3 * layerMax, 1e-12)
                values += slice.map { $0 * scale }
            }
            let grid = ImageGrid(columns: columns, padding: 2, padColor: .white, scaling: .none,
                                 colorMap: .viridis, upscale: upscale, captions: order.map { "#\($0)" })
            return grid.render(values, shape: [n, 1, h, w])
        }
        return Figure.column([
            Figure.row([
                Figure.titled(card.upscaled(by: 2), "probe (test card)", scale: 1),
                Figure.titled(sortedGrid(maps1, upscale: 1, columns: 8), "conv1 + ReLU, most active first - epoch \(metrics.epoch)", scale: 1),
            ]),
            Figure.titled(sortedGrid(maps2, upscale: 2, columns: 8), "conv2 + ReLU, most active first", scale: 1),
        ])
    }

    /// Weight histogram, per-filter standard deviation and the filter correlation matrix,
    /// each beside epoch 0's.
    private func statsPanel() -> Image {
        let now = trainer.model.conv1.weight.data
        let before = trainer.initialConv1
        let f = trainer.model.conv1.weight.shape[0]
        let per = now.count / f
        let histogram = HistogramChart(title: "conv1 weights", xLabel: "weight",
                                       samples: [("epoch 0", before), ("epoch \(metrics.epoch)", now)], bins: 40)
        func stds(_ w: [Float]) -> [Double] {
            (0..<f).map { o in
                let slice = w[(o * per)..<((o + 1) * per)].map(Double.init)
                let mean = slice.reduce(0, +) / Double(per)
                return (slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(per)).squareRoot()
            }
        }
        let stdChart = LineChart(title: "per-filter std", xLabel: "filter", yLabel: "std", series: [
            .init(name: "epoch 0", y: stds(before)), .init(name: "epoch \(metrics.epoch)", y: stds(now)),
        ], width: 560, height: 400)
        func correlation(_ w: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: f * f)
            let centred: [[Double]] = (0..<f).map { o in
                let slice = w[(o * per)..<((o + 1) * per)].map(Double.init)
                let mean = slice.reduce(0, +) / Double(per)
                let c = slice.map { $0 - mean }
                let norm = c.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return norm > 0 ? c.map { $0 / norm } : c
            }
            for a in 0..<f { for b in 0..<f { out[a * f + b] = Float(zip(centred[a], centred[b]).reduce(0) { $0 + $1.0 * $1.1 }) } }
            return out
        }
        let corrBefore = Heatmap(values: correlation(before), rows: f, columns: f, map: .diverging, range: -1...1,
                                 title: "filter correlation, epoch 0", label: "r", textScale: 2).render()
        let corrNow = Heatmap(values: correlation(now), rows: f, columns: f, map: .diverging, range: -1...1,
                              title: "filter correlation, epoch \(metrics.epoch)", label: "r", textScale: 2).render()
        return Figure.column([
            Figure.row([histogram.render(), stdChart.render()]),
            Figure.row([corrBefore, corrNow]),
        ])
    }
}

import Foundation
import Imaging
import Storage

/// splat frames:
///
/// ```
/// run name                                               epoch 3 / 20
/// [state] details: Gaussians, PSNR, SSIM
/// target          | render          | |target − render|  [colour bar]
/// PSNR curve      | loss curve      | Gaussian count curve
/// ```
///
/// The error map is computed here, |target − render| averaged over the colour channels, on one
/// colour scale for every frame, so the error visibly fades. The scale's top is the 99th percentile
/// of the first trained snapshot's error (epoch 0's far larger errors saturate): a scale set by the
/// untrained render would leave every later map black;
/// the snapshot's own `error.png` is used only when the run has no `target.png`. Pictures are
/// enlarged by whole factors (nearest neighbour) to about 288 pixels, or reduced by area
/// averaging when much larger. Target, render and error are marked smooth, for dithering.
struct SplatFrames: ExperimentFrames {
    let run: ReplayRun
    let width: Int
    let height: Int
    var frameCount: Int { run.epochs.count }
    let smoothRegions: [PixelRect]

    /// The target at its working size (nil when the run has no `target.png`).
    private let target: Image?
    /// The top of the error colour scale (see the type's comment).
    private let errorScale: Float
    private let panelSize: (width: Int, height: Int)
    private let panelTop: Int
    private let panelXs: [Int]
    private let chartTop: Int

    static let side = 288
    static var pageCurves: [MetricCurves] { curves }

    static let panels: [(file: String, title: String)] = [
        (SplatSnapshotFile.render, "render"), (SplatSnapshotFile.error, "error map"), (SplatSnapshotFile.gaussians, "Gaussians"),
    ]

    static let fixedPanels: [(file: String, title: String)] = [(SplatRootFile.target, "target")]

    static let curves = [
        MetricCurves(title: "PSNR", yLabel: "dB", lines: [.init(column: "psnr", label: "PSNR", color: Color.tab10[0], format: "%.2f dB")]),
        MetricCurves(title: "loss", yLabel: "", lines: [.init(column: "loss", label: "loss", color: Color.tab10[1], format: "%.4g")]),
        MetricCurves(title: "Gaussians", yLabel: "count", lines: [.init(column: "gaussians", label: "N", color: Color.tab10[2], format: "%.0f")]),
    ]

    init(run: ReplayRun) throws {
        self.run = run
        let targetURL = run.rootFile(SplatRootFile.target)
        let target = (try? PNG.read(targetURL.path, background: .white)).map { $0.rgb() }
        self.target = target
        var top: Float = 0
        if let target {
            // The first trained snapshot that has a render; epoch 0 only when there is nothing else.
            for epoch in run.epochs.filter({ $0 > 0 }) + run.epochs.filter({ $0 == 0 }) {
                guard let render = SplatFrames.render(run, epoch, size: target) else { continue }
                let field = SplatFrames.errorField(target, render).sorted()
                if !field.isEmpty { top = field[min(field.count - 1, Int(0.99 * Float(field.count - 1)))] }
                break
            }
        }
        let errorScale: Float = top > 0 ? top : 1
        self.errorScale = errorScale

        // Panel size: the displayed target, else the first render's.
        let reference = target.map { ($0.width, $0.height) }
            ?? run.epochs.lazy.compactMap { pngSize(run.snapshotFile(epoch: $0, SplatSnapshotFile.render)) }.first.map { ($0.width, $0.height) }
            ?? (SplatFrames.side, SplatFrames.side)
        let shown = FrameStyle.displayed(Image(width: reference.0, height: reference.1, channels: 1), side: SplatFrames.side)
        let panelSize = (width: shown.width, height: shown.height)
        self.panelSize = panelSize

        let m = FrameStyle.margin, gap = 2 * FrameStyle.gap
        let titleHeight = Canvas.textBox("0", scale: FrameStyle.textScale).height + 10
        let panelTop = FrameStyle.headerHeight + 12
        self.panelTop = panelTop
        let bar = ColorBar(map: .inferno, range: 0...errorScale, label: "|error|", textScale: FrameStyle.textScale)
        let barWidth = bar.size(length: panelSize.height, thickness: 16).width
        let panelXs = (0..<3).map { m + $0 * (panelSize.width + gap) }
        self.panelXs = panelXs
        let contentWidth = panelXs[2] + panelSize.width + 12 + barWidth + m
        width = max(contentWidth, 1200)
        chartTop = panelTop + titleHeight + panelSize.height + 24 + FrameStyle.gap
        height = chartTop + FrameStyle.chartHeight + m
        smoothRegions = panelXs.map { PixelRect(x: $0, y: panelTop + titleHeight, width: panelSize.width, height: panelSize.height) }
    }

    func frame(_ index: Int) throws -> Image {
        let epoch = run.epochs[index]
        var canvas = Canvas(width: width, height: height, background: .white)
        FrameStyle.drawHeader(on: &canvas, run: run, epoch: epoch, details: details(index))
        let (w, h) = panelSize
        func fit(_ image: Image) -> Image {
            let shown = FrameStyle.displayed(image, side: SplatFrames.side)
            return shown.width == w && shown.height == h ? shown : shown.resized(width: w, height: h, filter: .nearest)
        }
        let renderURL = run.snapshotFile(epoch: epoch, SplatSnapshotFile.render)
        let render = target.flatMap { SplatFrames.render(run, epoch, size: $0) }
            ?? (try? PNG.read(renderURL.path, background: .white))
        var panels: [(String, Image)] = [
            ("target", target.map(fit) ?? FrameStyle.placeholder(width: w, height: h, text: "no \(SplatRootFile.target)")),
            ("render", render.map(fit) ?? FrameStyle.placeholder(width: w, height: h, text: "\(SplatSnapshotFile.render) missing")),
        ]
        if let target, let render {
            let field = SplatFrames.errorField(target, render)
            let map = ColorMap.inferno.image(field, width: target.width, height: target.height, range: 0...errorScale)
            panels.append(("|target - render|", fit(map)))
        } else {
            let snapshotError = try? PNG.read(run.snapshotFile(epoch: epoch, SplatSnapshotFile.error).path, background: .white)
            panels.append((SplatSnapshotFile.error, snapshotError.map(fit) ?? FrameStyle.placeholder(width: w, height: h, text: "no error map")))
        }
        for (k, (title, image)) in panels.enumerated() {
            canvas.blit(FrameStyle.titled(image, title), x: panelXs[k], y: panelTop)
        }
        if target != nil {
            let titleHeight = Canvas.textBox("0", scale: FrameStyle.textScale).height + 10
            let bar = ColorBar(map: .inferno, range: 0...errorScale, label: "|error|", textScale: FrameStyle.textScale)
            let labelHalf = Canvas.textBox("0", scale: FrameStyle.textScale).height / 2 + 1
            bar.draw(on: &canvas, x: panelXs[2] + w + 12, y: panelTop + titleHeight - labelHalf, length: h, thickness: 16)
        }

        FrameStyle.drawCharts(SplatFrames.curves, run: run, upTo: index, on: &canvas, top: chartTop)
        return canvas.image
    }

    /// "1024 Gaussians · PSNR 27.61 dB · SSIM 0.912 · step 2000".
    private func details(_ index: Int) -> String {
        var parts: [String] = []
        let count = run.series("gaussians")[index], psnr = run.series("psnr")[index]
        let ssim = run.series("ssim")[index], step = run.series("step")[index]
        if count.isFinite { parts.append("\(Int(count)) Gaussians") }
        if psnr.isFinite { parts.append(String(format: "PSNR %.2f dB", psnr)) }
        if ssim.isFinite { parts.append(String(format: "SSIM %.3f", ssim)) }
        if step.isFinite { parts.append("step \(Int(step))") }
        if let shape = run.record.manifest.config["shape"]?.stringValue { parts.append(shape) }
        return parts.joined(separator: " · ")
    }

    /// The snapshot's render at the target's size (RGB), or nil when it is missing.
    private static func render(_ run: ReplayRun, _ epoch: Int, size target: Image) -> Image? {
        guard let image = try? PNG.read(run.snapshotFile(epoch: epoch, SplatSnapshotFile.render).path, background: .white) else { return nil }
        let rgb = image.rgb()
        return rgb.width == target.width && rgb.height == target.height
            ? rgb : rgb.resized(width: target.width, height: target.height, filter: .area)
    }

    /// |target − render| averaged over the three channels, `[height, width]`.
    static func errorField(_ target: Image, _ render: Image) -> [Float] { // [height, width]
        let count = target.width * target.height
        var field = [Float](repeating: 0, count: count)
        target.pixels.withUnsafeBufferPointer { t in
            render.pixels.withUnsafeBufferPointer { r in
                for p in 0..<count {
                    let i = 3 * p
                    field[p] = (abs(t[i] - r[i]) + abs(t[i + 1] - r[i + 1]) + abs(t[i + 2] - r[i + 2])) / 3
                }
            }
        }
        return field
    }
}

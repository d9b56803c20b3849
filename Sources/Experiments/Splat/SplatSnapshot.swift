import Foundation
import Imaging
import Storage

/// The files of one splat snapshot (docs/DESIGN.md §2): the render, its error against the
/// target as a heat map with its scale, the Gaussians as ellipses over the render, and
/// the Gaussians as numbers.
struct SplatSnapshot {
    let target: Image          // [H, W, C] working size
    let render: [Float]        // [H, W, C], unclipped
    let cloud: GaussianCloud
    let metrics: SplatEpochMetrics

    /// The error heat map's fixed upper end, so that epochs compare at a glance (larger
    /// errors show in the top colour; a good fit's errors are a few hundredths).
    static let errorScale: Float = 0.1

    func write(to folder: URL) throws {
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let image = Image(width: target.width, height: target.height, channels: target.channels, pixels: render)
        try image.clamped().write(toPNG: path(SplatSnapshotFile.render))
        try errorImage().write(toPNG: path(SplatSnapshotFile.error))
        try SplatSnapshot.gaussianImage(cloud, render: image, title: "\(cloud.count) Gaussians (2σ ellipses) - epoch \(metrics.epoch)")
            .write(toPNG: path(SplatSnapshotFile.gaussians))
        try Data(cloud.csv.utf8).write(to: folder.appendingPathComponent(SplatSnapshotFile.gaussiansCSV))
    }

    /// max over channels of |target − clip(render)| per pixel, on a fixed 0…0.1 scale.
    func errorImage() -> Image {
        let (w, h, c) = (target.width, target.height, target.channels)
        var error = [Float](repeating: 0, count: w * h)
        for p in 0..<(w * h) {
            var worst: Float = 0
            for ch in 0..<c {
                let r = min(max(render[p * c + ch], 0), 1)
                worst = max(worst, abs(target.pixels[p * c + ch] - r))
            }
            error[p] = worst
        }
        let title = String(format: "|target - render| (max over channels) - epoch %d, PSNR %.2f dB", metrics.epoch, metrics.psnr)
        return Heatmap(values: error, rows: h, columns: w, map: .inferno, range: 0...SplatSnapshot.errorScale,
                       title: title, label: "absolute error", textScale: 1).render()
    }

    /// The factor a `width × height` image is enlarged by for the ellipse picture (about
    /// 768 px on the longer side, 1 to 8).
    static func ellipseScale(width: Int, height: Int) -> Int {
        max(1, min(8, 768 / max(width, height, 1)))
    }

    /// Each Gaussian's 2σ ellipse (rotated, from Σ = (L Lᵀ)⁻¹) in its own hue, brightened,
    /// or a dot where the ellipse would be under 1.5 px across, over the render enlarged
    /// (bilinear) and dimmed.
    static func gaussianImage(_ cloud: GaussianCloud, render: Image, title: String) -> Image {
        let s = ellipseScale(width: render.width, height: render.height)
        let big = cloud.scaled(by: Float(s))
        let (bw, bh) = (render.width * s, render.height * s)
        var background = render.clamped().resized(width: bw, height: bh, filter: .bilinear).clamped().rgb()
        for i in background.pixels.indices { background.pixels[i] *= 0.35 }
        var canvas = Canvas(image: background)
        for i in 0..<cloud.count {
            let axes = big.principalAxes(i)
            let center = Point(Double(big.means[2 * i]), Double(big.means[2 * i + 1]))
            // The colour's hue at full brightness (a dark Gaussian would vanish on the dimmed render).
            let c = cloud.colors[(i * cloud.channels)..<((i + 1) * cloud.channels)].map { max($0, 0) }
            let peak = c.max() ?? 0
            let bright = peak > 0.02 ? c.map { $0 / peak } : c.map { _ in Float(0.6) }
            let own = cloud.channels == 1 ? Color(gray: 0.5 + 0.5 * bright[0]) : Color(r: bright[0], g: bright[1], b: bright[2])
            let ink = own.mixed(with: .white, 0.25)
            guard axes.major.isFinite, axes.major < Double(max(bw, bh)) * 4 else { continue }
            if 2 * axes.major < 1.5 {
                canvas.fillCircle(center: center, radius: 1.2, color: ink, alpha: 0.9)
            } else {
                canvas.drawEllipse(center: center, radii: (2 * axes.major, 2 * axes.minor), angle: axes.angle,
                                   color: ink, width: 0.8, alpha: 0.55)
            }
        }
        return Figure.titled(canvas.image, title, scale: s >= 2 ? 2 : 1)
    }
}

import Foundation
import Imaging
import Storage

/// What `trainviz shapes` writes: a labelled preview sheet of the synthetic data and,
/// optionally, every image as a PNG with a `labels.csv`.
public enum ShapesPreview {
    /// A sheet with one row per class and `perClass` samples in each, upscaled ×4, the class
    /// name at the start of each row. With a `retina` other than `.none` each sample is followed
    /// by what conv1 then sees: the stage's output normalised per channel over the sheet, drawn
    /// as 0.5 ± 3σ (mid-grey = the channel's mean), so the flat colour it removes shows as grey.
    public static func sheet(_ data: ShapesDataset, perClass: Int = 12, retina: Retina = .none) -> Image {
        let classes = ShapeClass.allCases
        var seen = data
        retina.apply(to: &seen)
        ChannelStatistics(of: seen).normalise(&seen)
        var rows: [Image] = []
        for shape in classes {
            let indices = data.labels.indices.filter { data.labels[$0] == shape.rawValue }.prefix(perClass)
            let tiles = indices.flatMap { i -> [Image] in
                guard retina != .none else { return [image(data, i)] }
                var filtered = image(seen, i)
                filtered.pixels = filtered.pixels.map { 0.5 + $0 / 6 }
                return [image(data, i), filtered]
            }
            guard !tiles.isEmpty else { continue }
            let columns = retina == .none ? perClass : 2 * perClass
            let grid = ImageGrid(columns: columns, padding: 2, padColor: .white, scaling: .none,
                                 upscale: retina == .none ? 4 : 3).render(tiles)
            var label = Canvas(width: 110, height: grid.height, background: .white)
            label.drawText(shape.description, x: 4, y: grid.height / 2, color: .black, scale: 2,
                           anchor: TextAnchor(horizontal: 0, vertical: 0.5))
            rows.append(Figure.row([label.image, grid], gap: 0))
        }
        let what = retina == .none ? "" : "; each image | what conv1 sees after the \(retina.rawValue) retina (normalised, ±3σ)"
        return Figure.titled(Figure.column(rows, gap: 0),
                             "synthetic shapes: \(data.count) images, \(data.size)×\(data.size), one row per class\(what)")
    }

    /// The principal components of 7×7 patches of 2,000 images as drawn and, unless `retina` is
    /// `.none`, behind it: the picture of why the raw shapes pull every kernel one way.
    public static func patchComponents(seed: UInt64, retina: Retina) -> Image {
        var data = ShapesGenerator.generate(count: 2_000, seed: seed)
        var rows = [PatchStatistics(data, seed: seed).row(label: "7x7 patches of the shapes as drawn")]
        if retina != .none {
            retina.apply(to: &data)
            rows.append(PatchStatistics(data, seed: seed).row(label: "behind the \(retina.rawValue) retina"))
        }
        return Figure.titled(Figure.column(rows, gap: 8), "principal components of image patches (RGB, grey = 0), largest first")
    }

    /// Image `index` of `data` as an `Image` in [0, 1].
    public static func image(_ data: ShapesDataset, _ index: Int) -> Image {
        let plane = data.size * data.size
        var pixels = [Float](repeating: 0, count: plane * data.channels)
        for p in 0..<plane {
            for c in 0..<data.channels {
                pixels[p * data.channels + c] = data.images[index * data.imageStride + c * plane + p]
            }
        }
        return Image(width: data.size, height: data.size, channels: data.channels, pixels: pixels)
    }

    /// Writes `shapes-preview.png` into `folder` (each image beside its `retina` output unless
    /// that is `.none`) and, with `export`, `shapes-<seed>/NNNNN.png` plus `labels.csv` (the
    /// images as drawn). Returns the paths written.
    @discardableResult
    public static func write(count: Int, seed: UInt64, to folder: URL, export: Bool, retina: Retina = .centreSurround) throws -> [URL] {
        guard count > 0 else { throw TrainingError.invalidOption("--count must be a positive whole number, not \(count).") }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = ShapesGenerator.generate(count: count, seed: seed)
        let preview = folder.appendingPathComponent("shapes-preview.png")
        try sheet(data, perClass: retina == .none ? 12 : 8, retina: retina).write(toPNG: preview.path)
        var written = [preview]
        let pca = folder.appendingPathComponent("patch-pca.png")
        try patchComponents(seed: seed, retina: retina).write(toPNG: pca.path)
        written.append(pca)
        if export {
            let dir = folder.appendingPathComponent("shapes-seed\(seed)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var csv = "file,label,class\n"
            for i in 0..<data.count {
                let name = String(format: "%05d.png", i)
                try image(data, i).write(toPNG: dir.appendingPathComponent(name).path)
                csv += "\(name),\(data.labels[i]),\(ShapeClass(rawValue: data.labels[i])!)\n"
            }
            try AtomicFile.write(Data(csv.utf8), to: dir.appendingPathComponent("labels.csv"))
            written.append(dir)
        }
        return written
    }
}

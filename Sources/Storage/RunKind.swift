import Foundation

/// The kinds of run trainviz writes, as `run.json`'s `kind` names them (docs/DESIGN.md §2).
///
/// The run format in one place: the trainers write, and replay reads, the files named here,
/// so that renaming one is a change to this file that both sides see.
public enum RunKind: String, CaseIterable, Sendable {
    /// A small convolutional network trained on synthetic shapes, its first layer's kernels watched.
    case cnn
    /// A target image fitted with 2D Gaussians.
    case splat

    /// The metric a listing shows for the kind when the manifest names no `headline`.
    public var headline: String {
        switch self {
        case .cnn: return "test_acc"
        case .splat: return "psnr"
        }
    }

    /// Every file a snapshot folder (`epochs/NNNN/`) of this kind can hold.
    public var snapshotFiles: [String] {
        switch self {
        case .cnn: return CNNSnapshotFile.all
        case .splat: return SplatSnapshotFile.all
        }
    }

    /// The files the trainer writes at the run's root, besides `run.json`, `metrics.csv` and
    /// the checkpoint that every run has (`RunStore`'s file names).
    public var rootFiles: [String] {
        switch self {
        case .cnn: return []
        case .splat: return SplatRootFile.all
        }
    }
}

/// The files of one cnn snapshot, `epochs/NNNN/<name>`.
public enum CNNSnapshotFile {
    /// The first layer's weights `[F, C, k, k]`, float32.
    public static let conv1NPY = "conv1.npy"
    /// conv1's kernels in colour (RGB) or grey, one symmetric scale.
    public static let conv1 = "conv1.png"
    /// conv1's luminance slices on a diverging map, with a colour bar.
    public static let conv1Luma = "conv1_luma.png"
    /// conv2's 5×5 slices, one row per output channel.
    public static let conv2 = "conv2.png"
    /// Each kernel's luminance beside its best-fit Gabor, with R² and label.
    public static let gabor = "gabor.png"
    /// The Gabor fit of every kernel as numbers.
    public static let gaborCSV = "gabor.csv"
    /// The phase-randomised control of the Gabor fit; written at the first and the last epoch only.
    public static let gaborControlCSV = "gabor_control.csv"
    /// The kernels' preferred orientations.
    public static let orientation = "orientation.png"
    /// Feature maps of the probe image.
    public static let features = "features.png"
    /// Weight statistics beside those of epoch 0.
    public static let stats = "stats.png"

    /// Every name above.
    public static let all = [conv1NPY, conv1, conv1Luma, conv2, gabor, gaborCSV, gaborControlCSV, orientation, features, stats]
    /// The names present in only some snapshots.
    public static let occasional = [gaborControlCSV]
}

/// The files of one splat snapshot, `epochs/NNNN/<name>`.
public enum SplatSnapshotFile {
    /// The render at the working size, clipped to 0…1.
    public static let render = "render.png"
    /// |target − render| as a heat map with its scale.
    public static let error = "error.png"
    /// The Gaussians as ellipses over the render.
    public static let gaussians = "gaussians.png"
    /// The Gaussians as numbers.
    public static let gaussiansCSV = "gaussians.csv"

    /// Every name above.
    public static let all = [render, error, gaussians, gaussiansCSV]
}

/// The files at a splat run's root.
public enum SplatRootFile {
    /// The target at its working size, as the run fitted it.
    public static let target = "target.png"
    /// The final render, at `render_scale` × the working size.
    public static let render = "render.png"
    /// The final Gaussians as numbers.
    public static let gaussiansCSV = "gaussians.csv"

    /// Every name above.
    public static let all = [target, render, gaussiansCSV]
}

extension RunManifest {
    /// `kind` as a known run kind; nil for a kind this build does not know.
    public var runKind: RunKind? { RunKind(rawValue: kind) }
}

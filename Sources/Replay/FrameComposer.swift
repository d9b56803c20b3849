import Foundation
import Imaging
import Storage

/// Draws the frames of one run (or of two side by side), all of one size.
protocol FrameComposer {
    var width: Int { get }
    var height: Int { get }
    /// One frame per snapshot.
    var frameCount: Int { get }
    /// Where the frames hold smooth pictures (renders, heat maps) that the GIF should dither.
    var smoothRegions: [PixelRect] { get }
    /// The frame of snapshot `index` (0 ..< frameCount).
    func frame(_ index: Int) throws -> Image
}

/// What replay knows about one kind of run: how to draw its frames, and what its page shows.
/// Each experiment has one (`CNNFrames`, `SplatFrames`) in its own file; `composerType(for:)`
/// is the only place that lists them.
protocol ExperimentFrames: FrameComposer {
    init(run: ReplayRun) throws
    /// The metric charts of the page (those whose columns the run has are drawn).
    static var pageCurves: [MetricCurves] { get }
    /// The snapshot pictures the page shows for every epoch, with their captions.
    static var panels: [(file: String, title: String)] { get }
    /// Pictures at the run's root the page shows beside them (paths relative to the run), if present.
    static var fixedPanels: [(file: String, title: String)] { get }
}

extension ExperimentFrames {
    static var fixedPanels: [(file: String, title: String)] { [] }
}

/// The composer of a kind of run.
func composerType(for kind: RunKind) -> any ExperimentFrames.Type {
    switch kind {
    case .cnn: CNNFrames.self
    case .splat: SplatFrames.self
    }
}

/// The composer for a run's kind.
/// - Throws: `ReplayError.unsupportedKind` for a kind this build does not know.
func makeFrameComposer(for run: ReplayRun) throws -> FrameComposer {
    guard let kind = run.runKind else { throw ReplayError.unsupportedKind(path: run.folder.path, kind: run.kind) }
    return try composerType(for: kind).init(run: run)
}

import ArgumentParser
import Foundation
import Replay

/// `trainviz replay RUN`: frames, an animated GIF and a page to scrub through, from a run folder.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Turn a saved run into frames, an animated GIF and a page with an epoch slider.",
        discussion: """
            Writes under RUN/replay/: frames/NNNN.png (one per snapshot), run.gif and index.html \
            (open it in a browser; it works from the file system). With no output flag all three \
            are made. A run that is still going, was interrupted or failed is replayed as far as it got. \
            --compare OTHER writes the two runs side by side under RUN/replay/compare-OTHER/.
            """
    )

    @Argument(help: ArgumentHelp("The run folder, e.g. Runs/cnn-20250301-140211.", valueName: "run"))
    var runFolder: String
    @Flag(help: "Write the composed frames (frames/NNNN.png).")
    var frames = false
    @Flag(help: "Write the animated GIF (run.gif).")
    var gif = false
    @Flag(help: "Write the page (index.html).")
    var html = false
    @Option(help: "Frames per second of the GIF and of the page's playback (above 0, at most 50).")
    var fps: Double = 4
    @Option(help: "Another run of the same kind to show side by side, snapshot by snapshot.")
    var compare: String?

    func validate() throws {
        guard fps.isFinite, fps > 0, fps <= 50 else {
            throw ValidationError("--fps must be a number above 0 and at most 50, not \(fps).")
        }
    }

    func run() throws {
        let options = ReplayOptions(frames: frames, gif: gif, html: html, fps: fps,
                                    compare: compare.map { URL(fileURLWithPath: $0) })
        let replay = try RunReplay(folder: URL(fileURLWithPath: runFolder), options: options)
        print("replaying \(replay.run.name): \(replay.run.kind), \(replay.run.state.rawValue), \(replay.run.epochs.count) snapshots"
              + (replay.other.map { " beside \($0.name) (\($0.epochs.count) snapshots)" } ?? ""))
        let output = try replay.write()
        print("done: \(output.folder.path)/")
    }
}

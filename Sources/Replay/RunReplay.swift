import Dispatch
import Foundation
import Imaging
import Storage

/// What `trainviz replay` makes, and how.
public struct ReplayOptions: Sendable {
    /// `frames/NNNN.png`.
    public var frames: Bool
    /// `run.gif`.
    public var gif: Bool
    /// `index.html` (single runs only).
    public var html: Bool
    /// Frames per second of the GIF and of the page's playback at 1×.
    public var fps: Double
    /// A second run to show side by side (same kind).
    public var compare: URL?

    /// No output flag means all three.
    public init(frames: Bool = false, gif: Bool = false, html: Bool = false, fps: Double = 4, compare: URL? = nil) {
        let none = !frames && !gif && !html
        self.frames = frames || none
        self.gif = gif || none
        self.html = html || none
        self.fps = fps
        self.compare = compare
    }

    /// The GIF delay of a frame, in hundredths of a second (at least 2, which browsers honour).
    public var frameDelay: Int { max(2, Int((100 / fps).rounded())) }
    /// The last frame stays up longer: three frame times, and at least two seconds.
    public var lastFrameDelay: Int { max(3 * frameDelay, 200) }
}

/// What a replay wrote.
public struct ReplayOutput: Sendable {
    /// `RUN/replay` or `RUN/replay/compare-<other>`.
    public var folder: URL
    public var frameCount: Int
    public var frameSize: (width: Int, height: Int)
    public var framesFolder: URL?
    public var gif: URL?
    public var page: URL?
    /// The sentence about an unfinished run (nil when complete).
    public var statusNotes: [String]
}

/// `trainviz replay RUN`: a saved run as composed frames, an animated GIF and a page to scrub
/// through, all under `RUN/replay/` (with `--compare OTHER`: under `RUN/replay/compare-<OTHER>/`).
///
/// Replay reads the run folder and never writes outside its output folder. There it replaces
/// its own earlier output: `frames/NNNN.png` (stale frame files of that pattern are removed),
/// `run.gif`, `index.html`; any other file is left alone. Every file is written under a
/// temporary name and renamed into place.
///
/// Frames are composed on both cores and written as PNGs; the GIF pass reads them back, maps
/// them onto one global palette (median cut over samples of all frames, Floyd–Steinberg
/// dithering in the smooth regions) and appends them to the GIF in order.
public final class RunReplay {
    public let run: ReplayRun
    public let other: ReplayRun?
    public let options: ReplayOptions
    /// Progress and summary lines (stdout by default).
    public var log: (String) -> Void = { print($0) }

    /// Reads the run (and the run to compare with).
    /// - Throws: `ReplayError` — not a run, no snapshots, kinds that differ, a bad `--fps`.
    public init(folder: URL, options: ReplayOptions) throws {
        guard options.fps.isFinite, options.fps > 0, options.fps <= 50 else { throw ReplayError.invalidFrameRate(options.fps) }
        run = try ReplayRun.load(folder)
        other = try options.compare.map { try ReplayRun.load($0) }
        self.options = options
        if let other, other.kind != run.kind {
            throw ReplayError.kindMismatch(run: run.name, kind: run.kind, other: other.name, otherKind: other.kind)
        }
        _ = try makeFrameComposer(for: run) // an unsupported kind fails here, before anything is written
    }

    /// The output folder.
    public var outputFolder: URL {
        let base = run.folder.appendingPathComponent("replay")
        guard let other else { return base }
        return base.appendingPathComponent("compare-\(RunStore.sanitizedName(other.name) ?? "other")")
    }

    /// Makes what the options ask for and returns what was written.
    @discardableResult
    public func write() throws -> ReplayOutput {
        let composer: FrameComposer
        if let other {
            composer = ComparisonFrames(left: try makeFrameComposer(for: run), leftName: run.name,
                                        right: try makeFrameComposer(for: other), rightName: other.name)
        } else {
            composer = try makeFrameComposer(for: run)
        }
        let notes = ([run] + (other.map { [$0] } ?? [])).compactMap { r in r.statusNote.map { "\(r.name): \($0)" } }
        notes.forEach { log("note: " + $0) }

        let output = outputFolder
        try makeFolder(output)
        var result = ReplayOutput(folder: output, frameCount: composer.frameCount, frameSize: (composer.width, composer.height),
                                  statusNotes: notes)
        // Frame names: the epoch for one run; the snapshot index for a pair.
        let names = (0..<composer.frameCount).map { index in
            RunStore.epochFolderName(other == nil ? run.epochs[index] : index) + ".png"
        }

        if options.frames || options.gif {
            let keep = options.frames
            let framesFolder = keep ? output.appendingPathComponent("frames")
                : output.appendingPathComponent(".frames-tmp-\(getpid())")
            try makeFolder(framesFolder)
            defer { if !keep { try? FileManager.default.removeItem(at: framesFolder) } }
            let samples = try writeFrames(composer, names: names, to: framesFolder)
            if keep {
                try removeStaleFrames(in: framesFolder, keeping: Set(names))
                result.framesFolder = framesFolder
                log("wrote \(names.count) frames (\(composer.width)×\(composer.height)) to \(framesFolder.path)/")
            }
            if options.gif {
                let gifURL = output.appendingPathComponent("run.gif")
                try writeGIF(composer, names: names, from: framesFolder, samples: samples, to: gifURL)
                result.gif = gifURL
                let bytes = (try? FileManager.default.attributesOfItem(atPath: gifURL.path)[.size] as? Int) ?? 0
                log("wrote \(gifURL.path) (\(names.count) frames at \(formatFPS(options.fps)) fps, \(bytes / 1024) KiB)")
            }
        }
        if options.html {
            if other != nil {
                log("note: index.html is made for single runs; open each run's own replay/index.html to scrub through it.")
            } else {
                let pageURL = output.appendingPathComponent("index.html")
                let framesExist = names.allSatisfy {
                    FileManager.default.fileExists(atPath: output.appendingPathComponent("frames").appendingPathComponent($0).path)
                }
                let curves = run.runKind.map { composerType(for: $0).pageCurves } ?? []
                let html = ReplayPage.html(run: run, curves: curves, framesFolder: framesExist ? "frames" : nil, fps: options.fps)
                do {
                    try AtomicFile.write(Data(html.utf8), to: pageURL)
                } catch {
                    throw ReplayError.fileFailed(path: pageURL.path, reason: "\(error)")
                }
                result.page = pageURL
                log("wrote \(pageURL.path)")
            }
        }
        return result
    }

    // MARK: - Frames

    /// Composes and writes every frame, two at a time (one per core); returns palette samples
    /// of all of them (empty when no GIF is wanted).
    private func writeFrames(_ composer: FrameComposer, names: [String], to folder: URL) throws -> [UInt8] {
        let count = names.count
        var samples = [[UInt8]](repeating: [], count: count)
        var failure: Error?
        let lock = NSLock()
        let perFrame = PaletteSampler(frameCount: count).perFrame
        let workers = max(1, min(2, ProcessInfo.processInfo.activeProcessorCount))
        var done = 0
        for batch in stride(from: 0, to: count, by: workers) {
            let indices = Array(batch..<min(batch + workers, count))
            DispatchQueue.concurrentPerform(iterations: indices.count) { k in
                let index = indices[k]
                do {
                    let image = try composer.frame(index)
                    try PNG.write(image, to: folder.appendingPathComponent(names[index]).path, compression: 3)
                    var sampler = PaletteSampler(frameCount: 1, budget: perFrame)
                    if options.gif { sampler.add(image) }
                    lock.lock(); samples[index] = sampler.samples; lock.unlock()
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
            if let failure { throw failure }
            done += indices.count
            log("frames \(done)/\(count)")
        }
        return samples.flatMap { $0 }
    }

    /// Removes `NNNN.png` files an earlier replay wrote that this one did not.
    private func removeStaleFrames(in folder: URL, keeping names: Set<String>) throws {
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in existing where !names.contains(name) && isFrameName(name) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    private func isFrameName(_ name: String) -> Bool {
        name.count == 8 && name.hasSuffix(".png") && name.prefix(4).allSatisfy { $0.isASCII && $0.isNumber }
    }

    // MARK: - GIF

    private func writeGIF(_ composer: FrameComposer, names: [String], from folder: URL, samples: [UInt8], to url: URL) throws {
        let palette = Palette.medianCut(samples: samples)
        let writer = try GIFWriter(url: url, width: composer.width, height: composer.height, palette: palette)
        let workers = max(1, min(2, ProcessInfo.processInfo.activeProcessorCount))
        let mappers = (0..<workers).map { _ in PaletteMapper(palette: palette) }
        let regions = composer.smoothRegions
        for batch in stride(from: 0, to: names.count, by: workers) {
            let indices = Array(batch..<min(batch + workers, names.count))
            var mapped = [[UInt8]](repeating: [], count: indices.count)
            var failure: Error?
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: indices.count) { k in
                do {
                    let path = folder.appendingPathComponent(names[indices[k]]).path
                    let image = try PNG.read(path)
                    let result = mappers[k].indices(for: image, smooth: regions)
                    lock.lock(); mapped[k] = result; lock.unlock()
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
            if let failure { throw failure }
            for (k, index) in indices.enumerated() {
                let last = index == names.count - 1
                try writer.addFrame(mapped[k], delay: last ? options.lastFrameDelay : options.frameDelay)
            }
            log("gif \(indices.last! + 1)/\(names.count)")
        }
        try writer.finish()
    }

    // MARK: - Folders

    /// Creates `url` (and `RUN/replay` above it) unless it exists as a folder.
    /// - Throws: `ReplayError.outputBlocked` when a file is in the way.
    private func makeFolder(_ url: URL) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw ReplayError.outputBlocked(path: url.path) }
            return
        }
        let parent = url.deletingLastPathComponent()
        if parent.path.hasPrefix(run.folder.path), parent.path != run.folder.path { try makeFolder(parent) }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        } catch {
            throw ReplayError.fileFailed(path: url.path, reason: "the folder could not be created")
        }
    }

    private func formatFPS(_ fps: Double) -> String {
        fps.rounded() == fps ? String(Int(fps)) : String(format: "%.2g", fps)
    }
}

/// Everything that can stop `trainviz replay`.
///
/// Each case renders as one sentence naming the folder or file involved, so the command-line
/// target can print it as is.
public enum ReplayError: Error, CustomStringConvertible, Equatable {
    /// The folder given is not a run folder (no such folder, no or a broken `run.json`).
    case notARun(path: String, reason: String)
    /// The run's kind has no frame layout (only `cnn` and `splat` do).
    case unsupportedKind(path: String, kind: String)
    /// The run has no finished snapshot folder yet.
    case noSnapshots(path: String)
    /// A snapshot lacks a file the frame needs.
    case missingSnapshotFile(path: String)
    /// Two runs of different kinds cannot be compared frame by frame.
    case kindMismatch(run: String, kind: String, other: String, otherKind: String)
    /// `--fps` outside (0, 50].
    case invalidFrameRate(Double)
    /// Something in the way of `RUN/replay/` (a file where a folder should be).
    case outputBlocked(path: String)
    /// A file could not be read or written (PNG, HTML, ...).
    case fileFailed(path: String, reason: String)
    /// giflib reported an error while writing a GIF.
    case gifFailed(path: String, operation: String, reason: String)
    /// A palette with no colours or more than 256.
    case invalidPalette(count: Int)
    /// A GIF frame whose index buffer does not match the screen size.
    case frameSizeMismatch(path: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case let .notARun(path, reason):
            return "'\(path)' is not a run folder: \(reason)."
        case let .unsupportedKind(path, kind):
            return "The run in '\(path)' is of kind '\(kind)'; replay knows how to draw only cnn and splat runs."
        case let .noSnapshots(path):
            return "The run in '\(path)' has no finished snapshot in epochs/ yet, so there is nothing to replay."
        case let .missingSnapshotFile(path):
            return "The snapshot file '\(path)' is missing, so its frame cannot be drawn."
        case let .kindMismatch(run, kind, other, otherKind):
            return "Cannot compare '\(run)' (\(kind)) with '\(other)' (\(otherKind)): both runs must be of the same kind."
        case let .invalidFrameRate(fps):
            return "--fps must be a number above 0 and at most 50 frames per second, not \(fps)."
        case let .outputBlocked(path):
            return "'\(path)' is in the way of replay's output: it should be a folder; move it aside and try again."
        case let .fileFailed(path, reason):
            return "Could not write '\(path)': \(reason)."
        case let .gifFailed(path, operation, reason):
            return "giflib failed in \(operation) while writing '\(path)': \(reason)."
        case let .invalidPalette(count):
            return "A GIF palette needs 1 to 256 colours, not \(count)."
        case let .frameSizeMismatch(path, expected, actual):
            return "A frame for '\(path)' has \(actual) pixels but the GIF's screen holds \(expected)."
        }
    }
}

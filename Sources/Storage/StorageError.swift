import Foundation

/// Everything that can go wrong reading or writing the project's files.
///
/// Each case renders as one sentence naming the file (or folder) and the problem, so the
/// command-line target can print it as is.
public enum StorageError: Error, CustomStringConvertible, Equatable {
    // MARK: - Files

    /// A file could not be read (missing, unreadable, ...).
    case readFailed(path: String, reason: String)
    /// A file or folder could not be written.
    case writeFailed(path: String, reason: String)

    // MARK: - Arrays

    /// A shape whose element count does not match the number of values supplied.
    case shapeMismatch(shape: [Int], count: Int)

    // MARK: - .npy

    /// The file does not start with the `\x93NUMPY` magic string.
    case npyBadMagic(path: String)
    /// The format version is not 1.0, 2.0 or 3.0.
    case npyUnsupportedVersion(path: String, major: UInt8, minor: UInt8)
    /// The file ends inside the preamble or the header.
    case npyTruncated(path: String, size: Int)
    /// The header dictionary could not be parsed or lacks a key.
    case npyBadHeader(path: String, detail: String)
    /// The array's dtype is not one this reader converts to `Float`.
    case npyUnsupportedDtype(path: String, descr: String)
    /// The array is stored in Fortran (column-major) order.
    case npyFortranOrder(path: String)
    /// The data after the header is not exactly `count × itemsize` bytes.
    case npyDataSizeMismatch(path: String, shape: [Int], expectedBytes: Int, actualBytes: Int)
    /// The header would not fit a version 1.0 file (65,535 bytes).
    case npyHeaderTooLong(shape: [Int])

    // MARK: - safetensors

    /// The file is shorter than the 8-byte header length or the header it announces.
    case safetensorsTruncated(path: String, size: Int, needed: Int)
    /// The announced header length is over the limit.
    case safetensorsHeaderTooLarge(path: String, length: UInt64, limit: Int)
    /// The header is not valid UTF-8 JSON, or not an object.
    case safetensorsInvalidJSON(path: String, detail: String)
    /// One tensor entry of the header is malformed.
    case safetensorsBadEntry(path: String, tensor: String, detail: String)
    /// A tensor's dtype is not one this reader converts to `Float`.
    case safetensorsUnsupportedDtype(path: String, tensor: String, dtype: String)
    /// The data offsets do not tile the data buffer exactly.
    case safetensorsBadOffsets(path: String, detail: String)
    /// A tensor name or metadata key the format cannot hold.
    case safetensorsBadName(name: String)

    // MARK: - Runs

    /// The folder that should hold runs does not exist.
    case runsFolderMissing(path: String)
    /// A run folder does not exist.
    case runFolderMissing(path: String)
    /// A run folder has no `run.json`.
    case manifestMissing(path: String)
    /// `run.json` is not a valid manifest.
    case manifestInvalid(path: String, detail: String)
    /// A run that a live process is still writing cannot be opened for resume.
    case runStillActive(path: String, pid: Int32, hostname: String)
    /// A run has no checkpoint to resume from.
    case checkpointMissing(path: String)
    /// `metrics.csv` could not be parsed.
    case metricsInvalid(path: String, detail: String)
    /// A metrics row names a column the run did not declare.
    case unknownMetric(name: String, columns: [String])
    /// A metrics column name that cannot go into a CSV header.
    case invalidMetricColumn(name: String)
    /// An epoch number outside 0...9999 (the folder names have four digits).
    case invalidEpoch(epoch: Int)
    /// A run was asked to finish with status `running`, or to write after it finished.
    case invalidStatusChange(path: String, detail: String)

    public var description: String {
        switch self {
        case let .readFailed(path, reason):
            return "Could not read '\(path)': \(reason)."
        case let .writeFailed(path, reason):
            return "Could not write '\(path)': \(reason)."
        case let .shapeMismatch(shape, count):
            return "Shape \(shape) holds \(shape.reduce(1, *)) elements but \(count) values were given."
        case let .npyBadMagic(path):
            return "'\(path)' is not a .npy file (it does not start with \\x93NUMPY)."
        case let .npyUnsupportedVersion(path, major, minor):
            return "'\(path)' uses .npy format version \(major).\(minor); only 1.0, 2.0 and 3.0 are supported."
        case let .npyTruncated(path, size):
            return "'\(path)' is truncated: its \(size) bytes end before the .npy header does."
        case let .npyBadHeader(path, detail):
            return "'\(path)' has a bad .npy header: \(detail)."
        case let .npyUnsupportedDtype(path, descr):
            return "'\(path)' holds dtype '\(descr)'; only '<f4', '<f8', '<i4' and '<i8' can be read."
        case let .npyFortranOrder(path):
            return "'\(path)' is stored in Fortran order; save it in C order (numpy.ascontiguousarray) instead."
        case let .npyDataSizeMismatch(path, shape, expected, actual):
            return "'\(path)' declares shape \(shape) (\(expected) bytes of data) but holds \(actual) bytes after its header."
        case let .npyHeaderTooLong(shape):
            return "A .npy 1.0 header for shape \(shape) would exceed 65,535 bytes."
        case let .safetensorsTruncated(path, size, needed):
            return "'\(path)' is truncated: it has \(size) bytes but its safetensors header needs \(needed)."
        case let .safetensorsHeaderTooLarge(path, length, limit):
            return "'\(path)' announces a \(length)-byte safetensors header, over the \(limit)-byte limit; it is probably not a safetensors file."
        case let .safetensorsInvalidJSON(path, detail):
            return "'\(path)' has an invalid safetensors header: \(detail)."
        case let .safetensorsBadEntry(path, tensor, detail):
            return "'\(path)': tensor '\(tensor)' has a bad header entry: \(detail)."
        case let .safetensorsUnsupportedDtype(path, tensor, dtype):
            return "'\(path)': tensor '\(tensor)' has dtype \(dtype); only F32, F64, I32 and I64 can be read."
        case let .safetensorsBadOffsets(path, detail):
            return "'\(path)' has inconsistent safetensors data offsets: \(detail)."
        case let .safetensorsBadName(name):
            return "'\(name)' cannot be used as a safetensors tensor name (empty, or the reserved '__metadata__')."
        case let .runsFolderMissing(path):
            return "There is no runs folder at '\(path)'; train something first or pass --runs with the right folder."
        case let .runFolderMissing(path):
            return "There is no run folder at '\(path)'."
        case let .manifestMissing(path):
            return "'\(path)' is not a run folder: it has no run.json."
        case let .manifestInvalid(path, detail):
            return "'\(path)' is not a valid run manifest: \(detail)."
        case let .runStillActive(path, pid, hostname):
            return "The run in '\(path)' is still being written by process \(pid) on \(hostname); stop it before resuming."
        case let .checkpointMissing(path):
            return "The run in '\(path)' has no checkpoint.safetensors to resume from."
        case let .metricsInvalid(path, detail):
            return "'\(path)' is not a valid metrics table: \(detail)."
        case let .unknownMetric(name, columns):
            return "Metric '\(name)' is not one of this run's columns (\(columns.joined(separator: ", ")))."
        case let .invalidMetricColumn(name):
            return "'\(name)' cannot be a metrics column name: use letters, digits, '_', '.' or '-'."
        case let .invalidEpoch(epoch):
            return "Epoch \(epoch) is outside 0...9999, the range the four-digit snapshot folders can name."
        case let .invalidStatusChange(path, detail):
            return "The run in '\(path)' \(detail)."
        }
    }
}

/// The text of the current `errno`, e.g. "No such file or directory".
func errnoDescription(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

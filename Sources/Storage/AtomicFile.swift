import Foundation

/// Whole-file writes that never leave a half-written file under the final name.
///
/// The data goes to a hidden sibling (`.<name>.tmp-<pid>-<random>`), is flushed to disk
/// with `fsync`, and is renamed over the destination; `rename(2)` within one folder is
/// atomic, so a reader (or a crash) sees either the old file or the new one, never a mix.
/// The folder is fsync'd afterwards so the rename itself survives a power cut.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, replacing any existing file whole.
    /// - Throws: `StorageError.writeFailed` naming the destination; the temporary file is removed.
    public static func write(_ data: Data, to url: URL) throws {
        let destination = url.path
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent
            + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

        let fd = posixOpen(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC)
        guard fd >= 0 else {
            throw StorageError.writeFailed(path: destination, reason: errnoDescription())
        }
        do {
            try writeAll(data, to: fd, path: destination)
            guard fsync(fd) == 0 else {
                throw StorageError.writeFailed(path: destination, reason: "fsync failed: " + errnoDescription())
            }
            guard close(fd) == 0 else {
                let reason = errnoDescription()
                unlink(temporary)
                throw StorageError.writeFailed(path: destination, reason: reason)
            }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, destination) == 0 else {
            let reason = errnoDescription()
            unlink(temporary)
            throw StorageError.writeFailed(path: destination, reason: reason)
        }
        syncDirectory(folder)
    }

    /// Writes every byte of `data` to an open descriptor, retrying short writes and `EINTR`.
    static func writeAll(_ data: Data, to fd: Int32, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let n = posixWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StorageError.writeFailed(path: path, reason: errnoDescription())
                }
                offset += n
            }
        }
    }

    /// Flushes a folder's entries (new names, renames) to disk; best effort.
    static func syncDirectory(_ path: String) {
        let fd = posixOpen(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Flushes one existing file's contents to disk; best effort.
    static func syncFile(_ path: String) {
        let fd = posixOpen(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Reads a whole file.
    /// - Throws: `StorageError.readFailed` naming the file.
    static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path)
                ? "the file is not readable" : "no such file"
            throw StorageError.readFailed(path: url.path, reason: reason)
        }
    }
}

import Foundation

// MARK: - Run folder names

/// How run folders are named and claimed: `<kind>-<YYYYMMDD-HHMMSS>[-<name>]`, never reused
/// (a taken name gets `-2`, `-3`, …), created with `mkdir` so two processes cannot claim one.
extension RunStore {
    /// `name` reduced to `[A-Za-z0-9._-]`: other characters become `-`, runs of `-` collapse,
    /// leading `.`/`-` and trailing `-` go, and at most 64 characters stay. Nil when nothing is left.
    public static func sanitizedName(_ name: String) -> String? {
        var result = ""
        for scalar in name.unicodeScalars {
            let character: Character = isFolderNameCharacter(scalar) ? Character(scalar) : "-"
            if character == "-", result.hasSuffix("-") { continue }
            result.append(character)
        }
        while let first = result.first, first == "." || first == "-" { result.removeFirst() }
        result = String(result.prefix(64))
        while result.hasSuffix("-") { result.removeLast() }
        return result.isEmpty ? nil : result
    }

    static func isFolderNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", ".", "_", "-": return true
        default: return false
        }
    }

    /// `YYYYMMDD-HHMMSS` in local time.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }

    /// Claims `base`, or `base-2`, `base-3`, … — whichever `mkdir(2)` creates first.
    static func claimFolder(in runsFolder: URL, base: String) throws -> URL {
        for attempt in 1...10_000 {
            let candidate = runsFolder.appendingPathComponent(attempt == 1 ? base : "\(base)-\(attempt)")
            if mkdir(candidate.path, 0o755) == 0 {
                AtomicFile.syncDirectory(runsFolder.path)
                return candidate
            }
            guard errno == EEXIST else {
                throw StorageError.writeFailed(path: candidate.path, reason: errnoDescription())
            }
        }
        throw StorageError.writeFailed(path: runsFolder.appendingPathComponent(base).path, reason: "10,000 folders with this name exist")
    }

    /// `date` without its fraction of a second, as `run.json` stores it (so the manifest in
    /// memory equals the one read back).
    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    static func makeFolder(_ url: URL) throws {
        guard mkdir(url.path, 0o755) == 0 || errno == EEXIST else {
            throw StorageError.writeFailed(path: url.path, reason: errnoDescription())
        }
    }
}

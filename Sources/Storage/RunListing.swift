import Foundation

/// One line of `trainviz runs`: a readable run, or a folder that is not one.
public struct RunSummary: Sendable {
    /// The folder's name inside the runs folder.
    public let folderName: String
    /// The run read back, or nil when the folder is not a readable run.
    public let record: RunRecord?
    /// Why the folder could not be read (nil for readable runs).
    public let problem: String?
    /// The run's start time, or the folder's modification time when unreadable.
    public let date: Date
}

/// `trainviz runs`: every run under a folder, newest first, as an aligned table.
///
/// ```
/// KIND   STATUS       EPOCHS  HEADLINE          STARTED     FOLDER                      NOTE
/// cnn    running           3  test_acc 0.9125   just now    cnn-20250301-140211-wd
/// splat  stale             7  psnr 27.61        2 days ago  splat-20250227-090000
/// ?      unreadable        -  -                 5 min ago   scratch                     no run.json
/// ```
public enum RunListing {
    /// Reads every non-hidden subfolder of `runsFolder`, newest first (ties: folder name,
    /// descending). Plain files are skipped; a folder without a readable manifest becomes an
    /// entry with a `problem` instead of an error.
    /// - Throws: `StorageError.runsFolderMissing` when `runsFolder` is not a folder.
    public static func collect(in runsFolder: URL) throws -> [RunSummary] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runsFolder.path, isDirectory: &isFolder), isFolder.boolValue,
              let names = try? FileManager.default.contentsOfDirectory(atPath: runsFolder.path)
        else { throw StorageError.runsFolderMissing(path: runsFolder.path) }

        var runs: [RunSummary] = []
        for name in names where !name.hasPrefix(".") {
            let folder = runsFolder.appendingPathComponent(name)
            var isSubfolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isSubfolder), isSubfolder.boolValue else {
                continue
            }
            do {
                let record = try RunRecord.load(from: folder)
                runs.append(RunSummary(folderName: name, record: record, problem: nil, date: record.manifest.startedAt))
            } catch {
                let attributes = try? FileManager.default.attributesOfItem(atPath: folder.path)
                let modified = attributes?[.modificationDate] as? Date ?? Date(timeIntervalSince1970: 0)
                runs.append(RunSummary(folderName: name, record: nil, problem: problem(error), date: modified))
            }
        }
        return runs.sorted { ($0.date, $0.folderName) > ($1.date, $1.folderName) }
    }

    /// A short reason for the NOTE column.
    private static func problem(_ error: Error) -> String {
        switch error as? StorageError {
        case .manifestMissing?: return "no run.json"
        case .manifestInvalid(_, let detail)?: return "bad run.json: \(detail)"
        case .metricsInvalid(_, let detail)?: return "bad metrics.csv: \(detail)"
        default: return String(describing: error)
        }
    }

    /// The table: a header, then one line per run; a sentence when there are none.
    public static func format(_ runs: [RunSummary], runsFolder: String, now: Date = Date()) -> String {
        guard !runs.isEmpty else { return "No runs in '\(runsFolder)'.\n" }
        var table = [["KIND", "STATUS", "EPOCHS", "HEADLINE", "STARTED", "FOLDER", "NOTE"]]
        for run in runs {
            let started = age(of: run.date, now: now)
            guard let record = run.record else {
                table.append(["?", "unreadable", "-", "-", started, run.folderName, run.problem ?? ""])
                continue
            }
            let headline = record.headline.map { "\($0.name) \(formatValue($0.value))" } ?? "-"
            let note = record.state == .failed || record.state == .interrupted ? (record.manifest.reason ?? "") : ""
            table.append([
                record.manifest.kind, record.state.rawValue, String(record.manifest.epochsDone), headline,
                started, run.folderName, String(note.prefix(80)),
            ])
        }
        let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max() ?? 0 }
        var text = ""
        for row in table {
            var cells: [String] = []
            for (column, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                cells.append(column == 2 ? pad + cell : cell + pad)  // numbers right-aligned
            }
            text += cells.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        return text
    }

    /// `collect` then `format`.
    public static func report(runsFolder: URL, now: Date = Date()) throws -> String {
        try format(collect(in: runsFolder), runsFolder: runsFolder.path, now: now)
    }

    /// "just now", "42 s ago", "3 min ago", "5 h ago", "2 days ago" (times in the future read
    /// as "just now").
    public static func age(of date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded(.down))
        switch seconds {
        case ..<5: return "just now"
        case ..<60: return "\(seconds) s ago"
        case ..<3600: return "\(seconds / 60) min ago"
        case ..<86_400: return "\(seconds / 3600) h ago"
        case ..<172_800: return "1 day ago"
        default: return "\(seconds / 86_400) days ago"
        }
    }

    /// Four significant decimals for values below 10 (accuracies), two above (dB).
    static func formatValue(_ value: Double) -> String {
        String(format: abs(value) < 10 ? "%.4f" : "%.2f", value)
    }
}

import Foundation

/// `metrics.csv`: a header row of column names, then one row of numbers per snapshot.
///
/// Whole numbers are written without a fraction (`3`), others in the shortest text that
/// reads back to the same `Double` (`0.947`, `1e-05`); a missing value is an empty cell and
/// NaN is `nan`. Both read back as NaN.
public struct MetricsTable: Sendable {
    /// Column names, `epoch` first in run folders.
    public var columns: [String]
    /// One array of `columns.count` values per row (NaN where a cell is empty).
    public var rows: [[Double]]

    public init(columns: [String], rows: [[Double]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// Every value of one column, or nil when there is no such column.
    public func column(_ name: String) -> [Double]? {
        guard let index = columns.firstIndex(of: name) else { return nil }
        return rows.map { $0[index] }
    }

    /// The last row keyed by column name, or nil for an empty table.
    public var lastRow: [String: Double]? {
        guard let row = rows.last else { return nil }
        return Dictionary(uniqueKeysWithValues: zip(columns, row))
    }

    /// Whether `name` can be a column: letters, digits, `_`, `.` and `-` only.
    public static func isValidColumnName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { RunStore.isFolderNameCharacter($0) }
    }

    // MARK: - Text

    /// The header line, newline included.
    static func headerLine(_ columns: [String]) -> String {
        columns.joined(separator: ",") + "\n"
    }

    /// One data line, newline included.
    static func rowLine(_ values: [Double]) -> String {
        values.map(formatCell).joined(separator: ",") + "\n"
    }

    static func formatCell(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.rounded() == value, abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    /// The whole table as CSV text.
    public var csvText: String {
        MetricsTable.headerLine(columns) + rows.map(MetricsTable.rowLine).joined()
    }

    /// Parses CSV text; `path` names the file in error messages.
    ///
    /// A last line without its newline that does not parse is taken for an append cut short
    /// by a crash and dropped; anything else malformed is an error.
    public static func parse(_ text: String, path: String) throws -> MetricsTable {
        // "\r\n" is a single Character in Swift, so both line ends are matched as Characters.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        let tornTail = text.last != "\n" && text.last != "\r\n"
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first, !header.isEmpty else {
            throw StorageError.metricsInvalid(path: path, detail: "it has no header row")
        }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0).trimmingCharacters(in: .whitespaces)
        }
        var rows: [[Double]] = []
        for (number, line) in lines.enumerated().dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            let values = cells.map { cell -> Double? in
                let text = cell.trimmingCharacters(in: .whitespaces)
                return text.isEmpty ? Double.nan : Double(text)
            }
            guard cells.count == columns.count, values.allSatisfy({ $0 != nil }) else {
                if tornTail && number == lines.count - 1 { break }
                throw StorageError.metricsInvalid(
                    path: path, detail: "line \(number + 1) does not hold \(columns.count) numbers")
            }
            rows.append(values.map { $0! })
        }
        return MetricsTable(columns: columns, rows: rows)
    }

    /// Reads a `metrics.csv` file.
    public static func read(from url: URL) throws -> MetricsTable {
        let data = try AtomicFile.read(url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw StorageError.metricsInvalid(path: url.path, detail: "it is not UTF-8 text")
        }
        return try parse(text, path: url.path)
    }

    /// Appends one line to an existing CSV file and fsyncs it, so the row is on disk (and
    /// visible to readers) before this returns.
    static func append(_ line: String, to url: URL) throws {
        let fd = posixOpen(url.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.writeFailed(path: url.path, reason: errnoDescription()) }
        defer { close(fd) }
        try AtomicFile.writeAll(Data(line.utf8), to: fd, path: url.path)
        guard fsync(fd) == 0 else {
            throw StorageError.writeFailed(path: url.path, reason: "fsync failed: " + errnoDescription())
        }
    }
}

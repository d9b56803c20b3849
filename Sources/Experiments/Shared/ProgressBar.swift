import Foundation

/// A one-line progress bar with rate and ETA on a terminal; silent otherwise (callers
/// print their own summary line per epoch, which is what a log file wants).
public struct ProgressBar {
    /// What is being counted, e.g. `"batches"`.
    public let unit: String
    public let total: Int
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let enabled: Bool

    /// - Parameter enabled: draw at all; defaults to whether standard error is a terminal.
    public init(total: Int, unit: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = max(total, 1)
        self.unit = unit
        self.enabled = enabled
    }

    /// Redraws the bar for `done` items (at most ~10 times a second).
    public mutating func update(_ done: Int, prefix: String = "") {
        guard enabled else { return }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 28
        let filled = min(width, width * done / total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r%@%@ %d/%d %@  %.1f/s  ETA %@ ", prefix, bar, done, total, unit, rate,
                          ProgressBar.duration(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the bar's line.
    public func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    /// `"42s"`, `"3m05s"`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s < 60 ? "\(s)s" : String(format: "%dm%02ds", s / 60, s % 60)
    }
}

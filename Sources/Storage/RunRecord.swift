import Foundation

/// A run's state as a reader sees it: the manifest's status, except that a `running` run
/// whose process is gone is `stale`.
public enum RunState: String, Sendable, CaseIterable {
    case running, completed, interrupted, failed
    /// The manifest says `running` but no process on this host has its pid (or it was
    /// written on another host): the process crashed or was killed with SIGKILL.
    case stale
}

/// The metric a listing shows for a run, with its latest value.
public struct HeadlineMetric: Equatable, Sendable {
    public let name: String
    public let value: Double
}

/// A run folder read back: manifest, metrics table and effective state.
public struct RunRecord: Sendable {
    /// The run's folder.
    public let folder: URL
    /// `run.json`.
    public let manifest: RunManifest
    /// `metrics.csv`, or nil when the run has none.
    public let metrics: MetricsTable?
    /// The manifest's status, with `running` turned into `stale` for a dead process.
    public let state: RunState

    /// Reads a run folder.
    /// - Throws: `.runFolderMissing`, `.manifestMissing`, `.manifestInvalid`, `.metricsInvalid`.
    public static func load(from folder: URL) throws -> RunRecord {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw StorageError.runFolderMissing(path: folder.path)
        }
        let manifest = try RunManifest.read(from: folder)
        let metricsURL = folder.appendingPathComponent(RunStore.metricsFileName)
        let metrics = FileManager.default.fileExists(atPath: metricsURL.path) ? try MetricsTable.read(from: metricsURL) : nil
        return RunRecord(folder: folder, manifest: manifest, metrics: metrics, state: effectiveState(of: manifest))
    }

    /// `manifest.status`, or `stale` when it says `running` but its process is gone.
    public static func effectiveState(of manifest: RunManifest) -> RunState {
        switch manifest.status {
        case .completed: return .completed
        case .interrupted: return .interrupted
        case .failed: return .failed
        case .running: return isProcessAlive(pid: manifest.pid, hostname: manifest.hostname) ? .running : .stale
        }
    }

    /// Whether process `pid` exists on this machine: false for another host name, or when
    /// `kill(pid, 0)` reports `ESRCH`. (A recycled pid reads as alive; nothing cheaper can tell.)
    public static func isProcessAlive(pid: Int32, hostname: String) -> Bool {
        guard hostname == currentHostname(), pid > 0 else { return false }
        return posixKill(pid, 0) == 0 || errno != ESRCH
    }

    /// The manifest's `headline` column (by default the kind's, `RunKind.headline`)
    /// with its value in the last `metrics.csv` row, falling back to the manifest's metrics.
    public var headline: HeadlineMetric? {
        guard let name = manifest.headline ?? manifest.runKind?.headline else { return nil }
        if let value = metrics?.column(name)?.last, value.isFinite {
            return HeadlineMetric(name: name, value: value)
        }
        if let value = manifest.metrics[name], value.isFinite {
            return HeadlineMetric(name: name, value: value)
        }
        return nil
    }
}

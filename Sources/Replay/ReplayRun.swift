import Foundation
import Storage

/// A run folder as replay reads it: the manifest, the metrics table, and the snapshot folders
/// that are complete (`epochs/NNNN`; half-written ones are hidden staging folders and ignored).
///
/// A run that is still going, was interrupted, crashed or failed is read the same way: replay
/// shows whatever snapshots it has, and `statusNote` says why there may be fewer than planned.
public struct ReplayRun: Sendable {
    /// The run's folder.
    public let folder: URL
    /// `run.json`, `metrics.csv` and the effective state (`stale` for a run whose process died).
    public let record: RunRecord
    /// The epochs that have a snapshot folder, ascending (0 = before training).
    public let epochs: [Int]

    /// The folder's name, which is how runs are named everywhere else.
    public var name: String { folder.lastPathComponent }
    /// `cnn` or `splat`, as `run.json` says.
    public var kind: String { record.manifest.kind }
    /// `kind` as a known run kind (nil for one this build does not know).
    public var runKind: RunKind? { record.manifest.runKind }
    public var state: RunState { record.state }

    /// Reads a run folder.
    /// - Throws: `ReplayError.notARun` when the folder is missing or has no valid `run.json` or
    ///   `metrics.csv`; `.noSnapshots` when no snapshot folder is complete yet.
    public static func load(_ folder: URL) throws -> ReplayRun {
        let folder = folder.standardizedFileURL
        let record: RunRecord
        do {
            record = try RunRecord.load(from: folder)
        } catch let error as StorageError {
            switch error {
            case .runFolderMissing: throw ReplayError.notARun(path: folder.path, reason: "there is no such folder")
            case .manifestMissing: throw ReplayError.notARun(path: folder.path, reason: "it has no run.json")
            case let .manifestInvalid(_, detail): throw ReplayError.notARun(path: folder.path, reason: "its run.json is not valid (\(detail))")
            case let .metricsInvalid(_, detail): throw ReplayError.notARun(path: folder.path, reason: "its metrics.csv is not valid (\(detail))")
            default: throw ReplayError.notARun(path: folder.path, reason: "\(error)".trimmingCharacters(in: CharacterSet(charactersIn: ".")))
            }
        }
        let epochsFolder = folder.appendingPathComponent(RunStore.epochsFolderName)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: epochsFolder.path)) ?? []
        let epochs = names.compactMap { name -> Int? in
            guard let epoch = Int(name), epoch >= 0, RunStore.epochFolderName(epoch) == name else { return nil }
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: epochsFolder.appendingPathComponent(name).path, isDirectory: &isFolder)
            return exists && isFolder.boolValue ? epoch : nil
        }.sorted()
        guard !epochs.isEmpty else { throw ReplayError.noSnapshots(path: folder.path) }
        return ReplayRun(folder: folder, record: record, epochs: epochs)
    }

    /// `epochs/NNNN/<name>`: for a known kind, `name` is one of its `RunKind.snapshotFiles`
    /// (asserted, so that replay reads only files the trainers declare they write).
    public func snapshotFile(epoch: Int, _ name: String) -> URL {
        assert(runKind.map { $0.snapshotFiles.contains(name) } ?? true, "\(kind) snapshots have no file '\(name)' (RunKind.snapshotFiles)")
        return folder.appendingPathComponent(RunStore.epochsFolderName).appendingPathComponent(RunStore.epochFolderName(epoch))
            .appendingPathComponent(name)
    }

    /// A file at the run's root (e.g. `target.png`): for a known kind, one of its
    /// `RunKind.rootFiles` (asserted, as for `snapshotFile`).
    public func rootFile(_ name: String) -> URL {
        assert(runKind.map { $0.rootFiles.contains(name) } ?? true, "\(kind) runs have no root file '\(name)' (RunKind.rootFiles)")
        return folder.appendingPathComponent(name)
    }

    /// Whether `metrics.csv` has this column.
    public func hasMetric(_ column: String) -> Bool { record.metrics?.columns.contains(column) ?? false }

    /// One metric per snapshot, in the order of `epochs` (NaN where the table has no row or cell).
    public func series(_ column: String) -> [Double] {
        guard let table = record.metrics, let index = table.columns.firstIndex(of: column),
              let epochIndex = table.columns.firstIndex(of: "epoch") else {
            return epochs.map { _ in .nan }
        }
        var byEpoch: [Int: Double] = [:]
        for row in table.rows where row[epochIndex].isFinite { byEpoch[Int(row[epochIndex])] = row[index] }
        return epochs.map { byEpoch[$0] ?? .nan }
    }

    /// The epochs the run was started for (`config.epochs`), if the manifest says.
    public var plannedEpochs: Int? { record.manifest.config["epochs"]?.intValue }

    /// The last epoch on every chart's x axis: the planned end, or the last snapshot if later,
    /// so that the axes of a replayed run do not change from frame to frame.
    public var lastAxisEpoch: Int { max(epochs.last ?? 0, plannedEpochs ?? 0) }

    /// "epoch 3 / 20" (or "epoch 3" when the plan is unknown).
    public func epochLabel(_ epoch: Int) -> String {
        plannedEpochs.map { "epoch \(epoch) / \($0)" } ?? "epoch \(epoch)"
    }

    /// A short state word for captions: nil for a completed run, else e.g. "INTERRUPTED".
    public var stateBadge: String? {
        switch state {
        case .completed: return nil
        case .running: return "STILL RUNNING"
        case .stale: return "CRASHED"
        case .interrupted: return "INTERRUPTED"
        case .failed: return "FAILED"
        }
    }

    /// One sentence for a run that did not finish (nil for a completed run): what happened
    /// and that replay shows what there is.
    public var statusNote: String? {
        let count = epochs.count == 1 ? "1 snapshot" : "\(epochs.count) snapshots"
        let last = epochs.last ?? 0
        let reason = record.manifest.reason.map { " (\($0))" } ?? ""
        switch state {
        case .completed: return nil
        case .running: return "This run is still running; replaying the \(count) written so far (up to epoch \(last))."
        case .stale: return "This run stopped without finishing (its process is gone, probably a crash or kill); replaying its \(count) up to epoch \(last)."
        case .interrupted: return "This run was interrupted\(reason) after epoch \(last); replaying its \(count)."
        case .failed: return "This run failed\(reason) after epoch \(last); replaying its \(count)."
        }
    }
}

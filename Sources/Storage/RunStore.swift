import Foundation

/// One run's folder on disk, written as training goes:
///
/// ```
/// Runs/<kind>-<YYYYMMDD-HHMMSS>[-<name>]/
///   run.json                  manifest (`RunManifest`), rewritten atomically on every change
///   metrics.csv               header + one fsync'd row per snapshot
///   epochs/0000/ … epochs/NNNN/
///   checkpoint.safetensors    parameters + optimizer state, metadata "epoch"
/// ```
///
/// Lifecycle: `create` (status `running`) → `writeSnapshot` per epoch (and `writeCheckpoint`)
/// → `finish(.completed)`, `finish(.interrupted, …)` or `finish(.failed, …)`. A crash leaves
/// `running` behind, which readers report as `stale` (see `RunRecord`). `open(at:)` reopens a
/// run for `--resume`; `rewind(toEpoch:)` then drops what came after the checkpoint.
///
/// Every file except `metrics.csv` is written through `AtomicFile`; a snapshot folder appears
/// under its final name only once all its files are on disk. Not thread-safe: one training
/// loop owns a store.
public final class RunStore {
    public static let manifestFileName = "run.json"
    public static let metricsFileName = "metrics.csv"
    public static let checkpointFileName = "checkpoint.safetensors"
    public static let epochsFolderName = "epochs"

    /// What a new run records about itself.
    public struct Spec: Sendable {
        public var kind: String
        public var name: String?
        public var version: String
        public var argv: [String]
        public var config: JSONValue
        public var seed: UInt64
        /// `metrics.csv` columns; `epoch` is put first when missing.
        public var metricColumns: [String]
        /// The column a listing shows, e.g. `test_acc`.
        public var headline: String?
        public var summary: JSONValue?

        public init(
            kind: String, name: String? = nil, version: String, argv: [String] = CommandLine.arguments,
            config: JSONValue, seed: UInt64, metricColumns: [String], headline: String? = nil,
            summary: JSONValue? = nil
        ) {
            self.kind = kind
            self.name = name
            self.version = version
            self.argv = argv
            self.config = config
            self.seed = seed
            self.metricColumns = metricColumns
            self.headline = headline
            self.summary = summary
        }
    }

    /// The run's folder.
    public let folder: URL
    /// The manifest as last written.
    public private(set) var manifest: RunManifest
    /// `metrics.csv` columns, `epoch` first.
    public let metricColumns: [String]
    /// The epoch of the last row in `metrics.csv` (nil before the first snapshot).
    private var lastEpoch: Int?

    private init(folder: URL, manifest: RunManifest, metricColumns: [String], lastEpoch: Int?) {
        self.folder = folder
        self.manifest = manifest
        self.metricColumns = metricColumns
        self.lastEpoch = lastEpoch
    }

    public var manifestURL: URL { folder.appendingPathComponent(RunStore.manifestFileName) }
    public var metricsURL: URL { folder.appendingPathComponent(RunStore.metricsFileName) }
    public var checkpointURL: URL { folder.appendingPathComponent(RunStore.checkpointFileName) }
    public var epochsFolder: URL { folder.appendingPathComponent(RunStore.epochsFolderName) }

    /// `epochs/NNNN` (four digits).
    public func epochFolder(_ epoch: Int) -> URL {
        epochsFolder.appendingPathComponent(RunStore.epochFolderName(epoch))
    }

    /// `0007` for epoch 7.
    public static func epochFolderName(_ epoch: Int) -> String {
        let digits = String(epoch)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    // MARK: - Creating

    /// Creates `runsFolder/<kind>-<YYYYMMDD-HHMMSS>[-<name>]` (local time of `now`) with its
    /// manifest (status `running`), an empty `metrics.csv` and `epochs/`.
    ///
    /// An existing folder is never reused: the folder is claimed with `mkdir(2)`, which fails
    /// when the name exists, and on a clash `-2`, `-3`, … is appended until a name is free.
    /// `runsFolder` is created if needed. `name` is sanitised with `sanitizedName(_:)`.
    public static func create(in runsFolder: URL, spec: Spec, now: Date = Date()) throws -> RunStore {
        var columns = spec.metricColumns
        if columns.first != "epoch" { columns.removeAll { $0 == "epoch" }; columns.insert("epoch", at: 0) }
        for column in columns where !MetricsTable.isValidColumnName(column) {
            throw StorageError.invalidMetricColumn(name: column)
        }
        if let headline = spec.headline, !columns.contains(headline) {
            throw StorageError.unknownMetric(name: headline, columns: columns)
        }
        do {
            try FileManager.default.createDirectory(at: runsFolder, withIntermediateDirectories: true)
        } catch {
            throw StorageError.writeFailed(path: runsFolder.path, reason: "the runs folder could not be created")
        }

        let kind = sanitizedName(spec.kind) ?? "run"
        let name = spec.name.flatMap(sanitizedName)
        let base = [kind, timestamp(wholeSeconds(now)), name].compactMap { $0 }.joined(separator: "-")
        let folder = try claimFolder(in: runsFolder, base: base)
        try makeFolder(folder.appendingPathComponent(epochsFolderName))

        let manifest = RunManifest(
            kind: kind, name: name, version: spec.version, argv: spec.argv, config: spec.config,
            seed: spec.seed, startedAt: wholeSeconds(now), headline: spec.headline,
            pid: getpid(), hostname: currentHostname(), summary: spec.summary)
        let store = RunStore(folder: folder, manifest: manifest, metricColumns: columns, lastEpoch: nil)
        try AtomicFile.write(Data(MetricsTable.headerLine(columns).utf8), to: store.metricsURL)
        try manifest.write(to: folder)
        return store
    }

    // MARK: - Resuming

    /// Reopens an existing run for resume: status back to `running`, this process's pid and
    /// host recorded, the time appended to `resumed_at`, half-written snapshot folders removed.
    ///
    /// Follow with `readCheckpoint()` and `rewind(toEpoch:)` to the checkpoint's epoch.
    /// - Throws: `.runFolderMissing`, `.manifestMissing`/`.manifestInvalid`, `.metricsInvalid`,
    ///   or `.runStillActive` when a live process still owns the run.
    public static func open(at folder: URL, now: Date = Date()) throws -> RunStore {
        let record = try RunRecord.load(from: folder)
        guard record.state != .running else {
            throw StorageError.runStillActive(path: folder.path, pid: record.manifest.pid, hostname: record.manifest.hostname)
        }
        guard let table = record.metrics else {
            throw StorageError.metricsInvalid(path: folder.appendingPathComponent(metricsFileName).path, detail: "the file is missing")
        }
        var manifest = record.manifest
        manifest.status = .running
        manifest.reason = nil
        manifest.endedAt = nil
        manifest.resumedAt.append(wholeSeconds(now))
        manifest.pid = getpid()
        manifest.hostname = currentHostname()
        let lastEpoch = table.column("epoch")?.last.flatMap { $0.isFinite ? Int($0) : nil }
        let store = RunStore(folder: folder, manifest: manifest, metricColumns: table.columns, lastEpoch: lastEpoch)
        try makeFolder(store.epochsFolder)
        store.removeStagingFolders()
        try manifest.write(to: folder)
        return store
    }

    /// Forgets everything after `epoch`: `metrics.csv` rows with a larger epoch, their
    /// `epochs/NNNN` folders, and the manifest's `epochs_done` and latest metrics.
    public func rewind(toEpoch epoch: Int) throws {
        try checkWritable()
        let table = try dropSnapshots(after: epoch)
        manifest.epochsDone = max(0, epoch)
        manifest.metrics = (table.lastRow ?? [:]).filter { $0.value.isFinite }
        try manifest.write(to: folder)
    }

    /// Removes the `metrics.csv` rows and `epochs/NNNN` folders of epochs after `epoch`
    /// (leaving the manifest alone) and returns the rows kept.
    @discardableResult
    private func dropSnapshots(after epoch: Int) throws -> MetricsTable {
        var table = try MetricsTable.read(from: metricsURL)
        if let epochIndex = table.columns.firstIndex(of: "epoch") {
            table.rows.removeAll { !($0[epochIndex] <= Double(epoch)) }
        }
        try AtomicFile.write(Data(table.csvText.utf8), to: metricsURL)
        for (index, url) in snapshotFolders() where index > epoch {
            try? FileManager.default.removeItem(at: url)
        }
        lastEpoch = table.column("epoch")?.last.flatMap { $0.isFinite ? Int($0) : nil }
        return table
    }

    /// The finished snapshot folders, by epoch.
    func snapshotFolders() -> [(epoch: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: epochsFolder.path)) ?? []
        return names.compactMap { name in
            guard let epoch = Int(name), epoch >= 0, RunStore.epochFolderName(epoch) == name else { return nil }
            return (epoch, epochsFolder.appendingPathComponent(name))
        }.sorted { $0.epoch < $1.epoch }
    }

    private func removeStagingFolders() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: epochsFolder.path)) ?? []
        for name in names where name.hasPrefix(".") {
            try? FileManager.default.removeItem(at: epochsFolder.appendingPathComponent(name))
        }
    }

    // MARK: - Writing

    /// Writes `epochs/NNNN/` as a unit, then appends its metrics row and updates the manifest.
    ///
    /// `body` writes the snapshot's files into the folder it is given (a hidden staging
    /// folder, `epochs/.NNNN.partial-<pid>`). Afterwards every file in it is fsync'd and the
    /// folder is renamed to `epochs/NNNN`, replacing an older folder of that epoch; so
    /// `epochs/NNNN` exists only complete. Then the row (`epoch` filled in, columns missing
    /// from `metrics` left empty) is appended to `metrics.csv`, and `run.json` records
    /// `epochs_done = epoch` and the row.
    ///
    /// Epochs normally increase. Writing an epoch that is not after the last one recorded
    /// first drops the rows and folders from that epoch on, so `metrics.csv` never holds an
    /// epoch twice.
    /// - Returns: the final folder.
    /// - Throws: `.invalidEpoch`, `.unknownMetric`, write failures, or whatever `body` throws
    ///   (the staging folder is then removed and nothing else changes).
    @discardableResult
    public func writeSnapshot(epoch: Int, metrics: [String: Double], _ body: (URL) throws -> Void) throws -> URL {
        try checkWritable()
        guard (0...9999).contains(epoch) else { throw StorageError.invalidEpoch(epoch: epoch) }
        for name in metrics.keys where !metricColumns.contains(name) {
            throw StorageError.unknownMetric(name: name, columns: metricColumns)
        }
        let final = epochFolder(epoch)
        let staging = epochsFolder.appendingPathComponent(".\(RunStore.epochFolderName(epoch)).partial-\(getpid())")
        try? FileManager.default.removeItem(at: staging)
        try RunStore.makeFolder(staging)
        do {
            try body(staging)
            try syncTree(staging)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        if let lastEpoch, epoch <= lastEpoch {
            try dropSnapshots(after: epoch - 1)
        }
        // A leftover folder of this epoch is moved aside before the new one goes in, and
        // deleted only afterwards.
        var replaced: URL?
        if FileManager.default.fileExists(atPath: final.path) {
            let aside = epochsFolder.appendingPathComponent(".\(RunStore.epochFolderName(epoch)).replaced-\(getpid())")
            try? FileManager.default.removeItem(at: aside)
            guard rename(final.path, aside.path) == 0 else {
                throw StorageError.writeFailed(path: final.path, reason: errnoDescription())
            }
            replaced = aside
        }
        guard rename(staging.path, final.path) == 0 else {
            throw StorageError.writeFailed(path: final.path, reason: errnoDescription())
        }
        AtomicFile.syncDirectory(epochsFolder.path)
        if let replaced { try? FileManager.default.removeItem(at: replaced) }

        var row = metrics
        row["epoch"] = Double(epoch)
        try MetricsTable.append(MetricsTable.rowLine(metricColumns.map { row[$0] ?? .nan }), to: metricsURL)
        lastEpoch = epoch
        manifest.epochsDone = epoch
        manifest.metrics = row.filter { $0.value.isFinite }
        try manifest.write(to: folder)
        return final
    }

    /// Fsyncs every regular file below `url`, then the folders themselves, so that a renamed
    /// folder never holds empty files after a power cut (whoever wrote them).
    private func syncTree(_ url: URL) throws {
        guard let walker = FileManager.default.enumerator(atPath: url.path) else { return }
        var folders = [url.path]
        while let relative = walker.nextObject() as? String {
            let path = url.path + "/" + relative
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { folders.append(path) } else { AtomicFile.syncFile(path) }
        }
        folders.forEach(AtomicFile.syncDirectory)
    }

    /// Writes a file at the run's root (e.g. the final `render.png`), atomically.
    public func writeFile(_ data: Data, named name: String) throws {
        try AtomicFile.write(data, to: folder.appendingPathComponent(name))
    }

    /// Writes `checkpoint.safetensors` atomically: `tensors` plus `metadata` with `epoch` set.
    public func writeCheckpoint(_ tensors: [String: NDArray], epoch: Int, metadata: [String: String] = [:]) throws {
        var fullMetadata = metadata
        fullMetadata["epoch"] = String(epoch)
        try SafeTensors.write(SafeTensorsFile(tensors: tensors, metadata: fullMetadata), to: checkpointURL)
    }

    /// Reads `checkpoint.safetensors` and the epoch it was written after.
    /// - Throws: `.checkpointMissing`, a safetensors error, or `.safetensorsInvalidJSON` when
    ///   the metadata has no integer `epoch`.
    public func readCheckpoint() throws -> (file: SafeTensorsFile, epoch: Int) {
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
            throw StorageError.checkpointMissing(path: folder.path)
        }
        let file = try SafeTensors.read(from: checkpointURL)
        guard let epoch = file.metadata["epoch"].flatMap({ Int($0) }) else {
            throw StorageError.safetensorsInvalidJSON(path: checkpointURL.path, detail: "__metadata__ has no integer 'epoch'")
        }
        return (file, epoch)
    }

    /// Records a free-form summary (e.g. the model's layers) in the manifest.
    public func setSummary(_ summary: JSONValue) throws {
        manifest.summary = summary
        try manifest.write(to: folder)
    }

    // MARK: - Finishing

    /// Marks the run finished with `status` (not `running`) and an optional reason, and
    /// records the end time. A run finishes once; further writes throw.
    public func finish(_ status: RunStatus, reason: String? = nil, now: Date = Date()) throws {
        guard status != .running else {
            throw StorageError.invalidStatusChange(path: folder.path, detail: "cannot finish with status 'running'")
        }
        try checkWritable()
        manifest.status = status
        manifest.reason = reason
        manifest.endedAt = RunStore.wholeSeconds(now)
        try manifest.write(to: folder)
    }

    /// `finish(.failed)` with the error's text as the reason.
    public func fail(_ error: Error, now: Date = Date()) throws {
        try finish(.failed, reason: String(describing: error), now: now)
    }

    /// `finish(.interrupted)` naming the signal, e.g. "interrupted by SIGINT".
    public func interrupt(by signal: Int32, now: Date = Date()) throws {
        try finish(.interrupted, reason: "interrupted by \(InterruptMonitor.signalName(signal))", now: now)
    }

    /// Records how a training loop ended: `interrupted` by `signal` when one arrived, `interrupted`
    /// ("stopped after epoch e of n as asked") when it stopped before its planned last epoch,
    /// `completed` otherwise.
    public func finishTraining(epoch: Int, of planned: Int, signal: Int32?, now: Date = Date()) throws {
        if let signal {
            try interrupt(by: signal, now: now)
        } else if epoch < planned {
            try finish(.interrupted, reason: "stopped after epoch \(epoch) of \(planned) as asked", now: now)
        } else {
            try finish(.completed, now: now)
        }
    }

    private func checkWritable() throws {
        guard manifest.status == .running else {
            throw StorageError.invalidStatusChange(
                path: folder.path, detail: "has already finished as '\(manifest.status.rawValue)'")
        }
    }
}

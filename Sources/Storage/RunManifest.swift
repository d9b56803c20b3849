import Foundation

/// What a run says about itself in `run.json`.
public enum RunStatus: String, Sendable, CaseIterable {
    /// A process is (or was, if it crashed) writing the run.
    case running
    /// Every epoch finished.
    case completed
    /// Stopped by SIGINT/SIGTERM after finishing its current snapshot; resumable.
    case interrupted
    /// Stopped by an error; `reason` says which.
    case failed
}

/// The contents of `run.json`: what the run is, how it was started, and how far it got.
///
/// `Codable`: written through `JSONEncoder` as pretty-printed UTF-8 JSON with sorted keys,
/// snake_case names and ISO 8601 local times with their UTC offset, e.g.
/// ```
/// { "argv": ["trainviz", "cnn"], "config": {…}, "epochs_done": 3, "headline": "test_acc",
///   "hostname": "box", "kind": "cnn", "metrics": {"epoch": 3, "test_acc": 0.91, …}, "pid": 4242,
///   "seed": 0, "started_at": "2025-03-01T14:02:11+01:00", "status": "running", "version": "0.1.0" }
/// ```
public struct RunManifest: Equatable, Sendable {
    /// `cnn`, `splat`, … — the first part of the folder name.
    public var kind: String
    /// The sanitised `--name`, if one was given.
    public var name: String?
    /// The version of the program that started the run.
    public var version: String
    /// The command line that started the run.
    public var argv: [String]
    /// Every setting the run used (the caller's options, resolved defaults included).
    public var config: JSONValue
    /// The random seed.
    public var seed: UInt64
    /// Lifecycle state as last written.
    public var status: RunStatus
    /// Why the run failed or was interrupted.
    public var reason: String?
    /// When the run was created.
    public var startedAt: Date
    /// When it last finished (completed, interrupted or failed).
    public var endedAt: Date?
    /// When it was reopened with `--resume`, oldest first.
    public var resumedAt: [Date]
    /// The epoch of the latest snapshot (0 = the state before training).
    public var epochsDone: Int
    /// The metric a listing shows for this run, e.g. `test_acc` or `psnr`.
    public var headline: String?
    /// The latest metrics row (finite values only).
    public var metrics: [String: Double]
    /// The process writing the run, for telling a live run from a crashed one.
    public var pid: Int32
    /// The machine that process runs on.
    public var hostname: String
    /// Anything else worth recording, e.g. a model summary.
    public var summary: JSONValue?

    /// A manifest from its fields; `status` defaults to `running`, the rest to empty.
    public init(
        kind: String, name: String? = nil, version: String, argv: [String], config: JSONValue,
        seed: UInt64, status: RunStatus = .running, reason: String? = nil, startedAt: Date,
        endedAt: Date? = nil, resumedAt: [Date] = [], epochsDone: Int = 0, headline: String? = nil,
        metrics: [String: Double] = [:], pid: Int32, hostname: String, summary: JSONValue? = nil
    ) {
        self.kind = kind
        self.name = name
        self.version = version
        self.argv = argv
        self.config = config
        self.seed = seed
        self.status = status
        self.reason = reason
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.resumedAt = resumedAt
        self.epochsDone = epochsDone
        self.headline = headline
        self.metrics = metrics
        self.pid = pid
        self.hostname = hostname
        self.summary = summary
    }
}

// MARK: - JSON form

extension RunManifest: Codable {
    enum CodingKeys: String, CodingKey {
        case kind, name, version, argv, config, seed, status, reason, metrics, pid, hostname, summary, headline
        case startedAt = "started_at", endedAt = "ended_at", resumedAt = "resumed_at", epochsDone = "epochs_done"
    }

    /// Why a member of `run.json` is unusable; turned into `StorageError.manifestInvalid`.
    struct FieldError: Error { let detail: String }

    /// Writes the manifest (optional fields left out when absent, non-finite metrics dropped).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(version, forKey: .version)
        try c.encode(argv, forKey: .argv)
        try c.encode(config, forKey: .config)
        // A seed beyond `Int.max` is kept as text, which every JSON reader keeps exact.
        if seed <= UInt64(Int.max) { try c.encode(seed, forKey: .seed) } else { try c.encode(String(seed), forKey: .seed) }
        try c.encode(status.rawValue, forKey: .status)
        try c.encode(ISO8601.string(from: startedAt), forKey: .startedAt)
        try c.encode(resumedAt.map(ISO8601.string(from:)), forKey: .resumedAt)
        try c.encode(epochsDone, forKey: .epochsDone)
        try c.encode(metrics.filter { $0.value.isFinite }, forKey: .metrics)
        try c.encode(pid, forKey: .pid)
        try c.encode(hostname, forKey: .hostname)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(endedAt.map(ISO8601.string(from:)), forKey: .endedAt)
        try c.encodeIfPresent(headline, forKey: .headline)
        try c.encodeIfPresent(summary, forKey: .summary)
    }

    /// Reads a manifest, accepting everything earlier versions wrote (`seed`, `argv`,
    /// `resumed_at`, `metrics`, `version` may be missing).
    /// - Throws: an error naming the first member that is wrong, which `decode(_:path:)`
    ///   (and so `read(from:)`) reports as `StorageError.manifestInvalid`.
    public init(from decoder: Decoder) throws {
        func invalid(_ detail: String) -> FieldError { FieldError(detail: detail) }
        guard let c = try? decoder.container(keyedBy: CodingKeys.self) else { throw invalid("the top level is not a JSON object") }
        func absent(_ key: CodingKeys) -> Bool { !c.contains(key) || ((try? c.decodeNil(forKey: key)) ?? false) }
        func string(_ key: CodingKeys) throws -> String {
            guard let value = try? c.decode(String.self, forKey: key) else { throw invalid("'\(key.stringValue)' is missing or not a string") }
            return value
        }
        func optionalString(_ key: CodingKeys) throws -> String? {
            guard !absent(key) else { return nil }
            guard let text = try? c.decode(String.self, forKey: key) else { throw invalid("'\(key.stringValue)' is not a string") }
            return text
        }
        func date(_ text: String, _ key: CodingKeys) throws -> Date {
            guard let value = ISO8601.date(from: text) else { throw invalid("'\(key.stringValue)' is not an ISO 8601 time") }
            return value
        }
        func value(_ key: CodingKeys) -> JSONValue? { absent(key) ? nil : try? c.decode(JSONValue.self, forKey: key) }

        kind = try string(.kind)
        guard let parsedStatus = RunStatus(rawValue: try string(.status)) else {
            throw invalid("'status' is not one of running, completed, interrupted, failed")
        }
        status = parsedStatus
        startedAt = try date(try string(.startedAt), .startedAt)
        endedAt = try optionalString(.endedAt).map { try date($0, .endedAt) }
        guard let epochs = value(.epochsDone)?.intValue, epochs >= 0 else {
            throw invalid("'epochs_done' is missing or not a non-negative integer")
        }
        epochsDone = epochs
        guard let processID = value(.pid)?.intValue, let narrow = Int32(exactly: processID) else {
            throw invalid("'pid' is missing or not a process id")
        }
        pid = narrow
        hostname = try string(.hostname)

        name = try optionalString(.name)
        reason = try optionalString(.reason)
        headline = try optionalString(.headline)
        version = try optionalString(.version) ?? ""
        config = value(.config) ?? .null
        summary = value(.summary)

        switch value(.seed) {
        case nil: seed = 0
        case .int(let number)? where number >= 0: seed = UInt64(number)
        case .string(let text)? where UInt64(text) != nil: seed = UInt64(text)!
        default: throw invalid("'seed' is not a non-negative integer")
        }
        if absent(.argv) {
            argv = []
        } else {
            guard let items = try? c.decode([String].self, forKey: .argv) else { throw invalid("'argv' is not a list of strings") }
            argv = items
        }
        switch value(.resumedAt) {
        case nil: resumedAt = []
        case .array(let items)?:
            resumedAt = try items.map { item in
                guard let text = item.stringValue else { throw invalid("'resumed_at' holds a non-string") }
                return try date(text, .resumedAt)
            }
        default: throw invalid("'resumed_at' is not a list of times")
        }
        switch value(.metrics) {
        case nil: metrics = [:]
        case .object(let pairs)?:
            metrics = [:]
            for (key, value) in pairs {
                guard let number = value.doubleValue else { throw invalid("metric '\(key)' is not a number") }
                metrics[key] = number
            }
        default: throw invalid("'metrics' is not an object")
        }
    }

    /// Parses the bytes of a `run.json`; `path` names it in errors.
    /// - Throws: `StorageError.manifestInvalid` naming `path` and the first field that is wrong.
    public static func decode(_ data: Data, path: String) throws -> RunManifest {
        do {
            return try JSONDecoder().decode(RunManifest.self, from: data)
        } catch let error as FieldError {
            throw StorageError.manifestInvalid(path: path, detail: error.detail)
        } catch {
            throw StorageError.manifestInvalid(path: path, detail: "invalid JSON, \(JSONCoding.describe(error))")
        }
    }

    /// The text of `run.json`: pretty-printed UTF-8 JSON, keys sorted, ending in a newline.
    public func encoded() throws -> Data {
        try JSONCoding.prettyData(self) + Data("\n".utf8)
    }

    /// Reads `run.json` from a run folder.
    /// - Throws: `StorageError.manifestMissing` or `.manifestInvalid`.
    public static func read(from folder: URL) throws -> RunManifest {
        let url = folder.appendingPathComponent(RunStore.manifestFileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StorageError.manifestMissing(path: folder.path)
        }
        return try decode(try AtomicFile.read(url), path: url.path)
    }

    /// Writes `run.json` into a run folder, atomically.
    public func write(to folder: URL) throws {
        try AtomicFile.write(encoded(), to: folder.appendingPathComponent(RunStore.manifestFileName))
    }
}

// MARK: - Times

/// ISO 8601 times in local time with the UTC offset (`2025-03-01T14:02:11+01:00`).
enum ISO8601 {
    static func string(from date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone.current
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Parses times with any offset or `Z`, with or without fractional seconds.
    static func date(from text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

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
/// Written as pretty-printed UTF-8 JSON with sorted keys, snake_case names and ISO 8601
/// local times with their UTC offset, e.g.
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

extension RunManifest {
    /// The manifest as a JSON object (optional fields left out when absent).
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "kind": .string(kind),
            "version": .string(version),
            "argv": .array(argv.map { .string($0) }),
            "config": config,
            // JSON integers are read back as `Int`; a seed beyond `Int.max` is kept as text.
            "seed": seed <= UInt64(Int.max) ? .int(Int(seed)) : .string(String(seed)),
            "status": .string(status.rawValue),
            "started_at": .string(ISO8601.string(from: startedAt)),
            "resumed_at": .array(resumedAt.map { .string(ISO8601.string(from: $0)) }),
            "epochs_done": .int(epochsDone),
            "metrics": .object(metrics.filter { $0.value.isFinite }.mapValues { .double($0) }),
            "pid": .int(Int(pid)),
            "hostname": .string(hostname),
        ]
        if let name { members["name"] = .string(name) }
        if let reason { members["reason"] = .string(reason) }
        if let endedAt { members["ended_at"] = .string(ISO8601.string(from: endedAt)) }
        if let headline { members["headline"] = .string(headline) }
        if let summary { members["summary"] = summary }
        return .object(members)
    }

    /// Reads a manifest from its JSON object.
    /// - Throws: `StorageError.manifestInvalid` naming `path` and the first field that is wrong.
    public init(json: JSONValue, path: String) throws {
        func invalid(_ detail: String) -> StorageError { .manifestInvalid(path: path, detail: detail) }
        guard case .object = json else { throw invalid("the top level is not a JSON object") }
        func string(_ key: String) throws -> String {
            guard let value = json[key]?.stringValue else { throw invalid("'\(key)' is missing or not a string") }
            return value
        }
        func optionalString(_ key: String) throws -> String? {
            guard let value = json[key], value != .null else { return nil }
            guard let text = value.stringValue else { throw invalid("'\(key)' is not a string") }
            return text
        }
        func date(_ text: String, _ key: String) throws -> Date {
            guard let value = ISO8601.date(from: text) else { throw invalid("'\(key)' is not an ISO 8601 time") }
            return value
        }

        kind = try string("kind")
        guard let parsedStatus = RunStatus(rawValue: try string("status")) else {
            throw invalid("'status' is not one of running, completed, interrupted, failed")
        }
        status = parsedStatus
        startedAt = try date(try string("started_at"), "started_at")
        endedAt = try optionalString("ended_at").map { try date($0, "ended_at") }
        guard let epochs = json["epochs_done"]?.intValue, epochs >= 0 else {
            throw invalid("'epochs_done' is missing or not a non-negative integer")
        }
        epochsDone = epochs
        guard let processID = json["pid"]?.intValue, let narrow = Int32(exactly: processID) else {
            throw invalid("'pid' is missing or not a process id")
        }
        pid = narrow
        hostname = try string("hostname")

        name = try optionalString("name")
        reason = try optionalString("reason")
        headline = try optionalString("headline")
        version = try optionalString("version") ?? ""
        config = json["config"] ?? .null
        summary = json["summary"].flatMap { $0 == .null ? nil : $0 }

        switch json["seed"] {
        case nil, .null?: seed = 0
        case .int(let value)? where value >= 0: seed = UInt64(value)
        case .string(let text)? where UInt64(text) != nil: seed = UInt64(text)!
        default: throw invalid("'seed' is not a non-negative integer")
        }
        switch json["argv"] {
        case nil, .null?: argv = []
        case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): argv = items.map { $0.stringValue! }
        default: throw invalid("'argv' is not a list of strings")
        }
        switch json["resumed_at"] {
        case nil, .null?: resumedAt = []
        case .array(let items)?:
            resumedAt = try items.map { item in
                guard let text = item.stringValue else { throw invalid("'resumed_at' holds a non-string") }
                return try date(text, "resumed_at")
            }
        default: throw invalid("'resumed_at' is not a list of times")
        }
        switch json["metrics"] {
        case nil, .null?: metrics = [:]
        case .object(let pairs)?:
            metrics = [:]
            for (key, value) in pairs {
                guard let number = value.doubleValue else { throw invalid("metric '\(key)' is not a number") }
                metrics[key] = number
            }
        default: throw invalid("'metrics' is not an object")
        }
    }

    /// Reads `run.json` from a run folder.
    /// - Throws: `StorageError.manifestMissing` or `.manifestInvalid`.
    public static func read(from folder: URL) throws -> RunManifest {
        let url = folder.appendingPathComponent(RunStore.manifestFileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StorageError.manifestMissing(path: folder.path)
        }
        let data = try AtomicFile.read(url)
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch let error as JSONParseError {
            throw StorageError.manifestInvalid(path: url.path, detail: "invalid JSON, \(error)")
        }
        return try RunManifest(json: json, path: url.path)
    }

    /// Writes `run.json` into a run folder, atomically.
    public func write(to folder: URL) throws {
        let text = json.serialized(pretty: true) + "\n"
        try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent(RunStore.manifestFileName))
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

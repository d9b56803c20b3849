import Foundation

/// The project's JSON conventions on top of Foundation's `JSONEncoder`.
public enum JSONCoding {
    /// An encoder writing sorted keys and unescaped slashes; `pretty` adds
    /// `JSONEncoder`'s two-space indentation (what `run.json` uses).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `value` as pretty-printed JSON in the project's look: keys sorted, two-space indent,
    /// `"key": value`, empty containers as `[]` / `{}` (`JSONEncoder` writes `"key" : value`
    /// and spreads an empty container over three lines).
    public static func prettyData(_ value: some Encodable) throws -> Data {
        let text = String(decoding: try encoder(pretty: true).encode(value), as: UTF8.self)
        // JSON strings cannot hold a raw line break, so every line of the pretty output starts
        // with structure: a member's key (after the indent) or a value, or a closing bracket.
        let input = text.split(separator: "\n", omittingEmptySubsequences: false)
        var lines: [Substring] = []
        var i = 0
        while i < input.count {
            var line = input[i]
            // An empty container: `[`, an empty line, then `]` (or `],`), likewise `{}`.
            if let opener = line.last, opener == "[" || opener == "{", i + 2 < input.count, input[i + 1].isEmpty,
               case let closer = input[i + 2].drop(while: { $0 == " " }), closer.first == (opener == "[" ? "]" : "}") {
                line = line + closer
                i += 2
            }
            lines.append(tidyMember(line))
            i += 1
        }
        return Data(lines.joined(separator: "\n").utf8)
    }

    /// `  "key" : value` → `  "key": value`; other lines unchanged.
    private static func tidyMember(_ line: Substring) -> Substring {
        let body = line.drop { $0 == " " }
        guard body.first == "\"" else { return line }
        var escaped = false
        for index in body.indices.dropFirst() {
            let character = body[index]
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            guard character == "\"" else { continue }
            let rest = body[body.index(after: index)...]
            guard rest.hasPrefix(" : ") else { return line }
            return line[..<body.index(after: index)] + ":" + rest.dropFirst(2)
        }
        return line
    }

    /// A `DecodingError` in a few words for a user: where in the document and what was wrong.
    public static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func place(_ path: [CodingKey]) -> String {
            path.isEmpty ? "" : "'" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "' "
        }
        switch error {
        case let .dataCorrupted(context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return place(context.codingPath) + context.debugDescription + (underlying.map { " (\($0))" } ?? "")
        case let .keyNotFound(key, context):
            return "'\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))' is missing"
        case let .typeMismatch(type, context):
            return place(context.codingPath) + "is not a \(type)"
        case let .valueNotFound(type, context):
            return place(context.codingPath) + "is null where a \(type) is needed"
        @unknown default:
            return "\(error)"
        }
    }
}

extension KeyedEncodingContainer {
    /// Writes a `Float` as the shortest decimal that reads back to it (`0.002`, not
    /// `0.0020000000949949026`); a non-finite value as `null`.
    public mutating func encodeDecimal(_ value: Float, forKey key: Key) throws {
        guard value.isFinite else { return try encodeNil(forKey: key) }
        try encode(Double("\(value)") ?? Double(value), forKey: key)
    }

    /// Writes a `Double`, or `null` when it is not finite.
    public mutating func encodeFinite(_ value: Double, forKey key: Key) throws {
        guard value.isFinite else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    /// Writes the value, or an explicit `null` when there is none (so the key is always present).
    public mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

extension RunStore.Spec {
    /// A spec whose configuration (and optional summary) are typed values, recorded in
    /// `run.json` through their `Encodable` conformance.
    public init(
        kind: String, name: String? = nil, version: String, argv: [String] = CommandLine.arguments,
        encoding config: some Encodable, seed: UInt64, metricColumns: [String], headline: String? = nil,
        summary: (any Encodable)? = nil
    ) throws {
        self.init(kind: kind, name: name, version: version, argv: argv, config: try JSONValue(encoding: config),
                  seed: seed, metricColumns: metricColumns, headline: headline,
                  summary: try summary.map { try JSONValue(encoding: $0) })
    }
}

extension RunManifest {
    /// The manifest's `config` read back as the typed configuration that wrote it.
    /// Errors thrown by the type's `init(from:)` come through unchanged.
    public func config<T: Decodable>(as type: T.Type) throws -> T {
        try config.decode(type)
    }
}

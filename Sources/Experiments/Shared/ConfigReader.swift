/// Reads an experiment's config back from a manifest, forgiving what older runs left out: a
/// missing or unreadable optional member is nil (the caller supplies the default of the runs
/// that predate it), a missing required one is `TrainingError.badRun` naming it.
struct ConfigReader<Key: CodingKey> {
    let container: KeyedDecodingContainer<Key>

    init(_ decoder: Decoder, keyedBy: Key.Type) throws {
        guard let container = try? decoder.container(keyedBy: Key.self) else {
            throw TrainingError.badRun("its run.json has no config object")
        }
        self.container = container
    }

    /// The member, or nil when it is missing or of another type.
    func optional<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? container.decodeIfPresent(type, forKey: key)) ?? nil
    }

    /// A required whole number.
    func int(_ key: Key) throws -> Int {
        guard let value = optional(Int.self, key) else { throw missing(key) }
        return value
    }

    /// A required number, read as the Double the manifest stores.
    func float(_ key: Key) throws -> Float {
        guard let value = optional(Double.self, key) else { throw missing(key) }
        return Float(value)
    }

    private func missing(_ key: Key) -> TrainingError {
        .badRun("its run.json has no usable '\(key.stringValue)'")
    }
}

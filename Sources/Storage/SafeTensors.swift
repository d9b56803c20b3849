import Foundation

/// The contents of a safetensors file: named arrays plus a string-to-string metadata map.
public struct SafeTensorsFile: Equatable, Sendable {
    /// Arrays by name.
    public var tensors: [String: NDArray]
    /// The optional `__metadata__` map (empty when the file has none).
    public var metadata: [String: String]

    public init(tensors: [String: NDArray], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }
}

/// Hugging Face's safetensors format.
///
/// ```
/// <uint64 LE: N>  <N bytes of UTF-8 JSON, padded with spaces to a multiple of 8>  <data>
/// {"__metadata__":{"epoch":"3"},"conv1.weight":{"data_offsets":[0,4704],"dtype":"F32","shape":[16,3,7,7]}}
/// ```
/// `data_offsets` are byte ranges relative to the start of the data block; together they
/// tile it exactly. Written: `F32` only, tensors in name order, keys sorted. Read: `F32`,
/// `F64`, `I32` and `I64` (converted to `Float`), with the same validation the reference
/// implementation applies (header limit, offsets tiling the data, sizes matching shapes).
public enum SafeTensors {
    /// The largest header accepted on read, as in the reference implementation.
    public static let maximumHeaderLength = 100_000_000

    // MARK: - Writing

    /// One tensor's entry in the header.
    struct Entry: Encodable {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    /// The header: tensor entries by name plus the optional `__metadata__` map.
    struct Header: Encodable {
        var entries: [String: Entry]
        var metadata: [String: String]

        private struct Name: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Name.self)
            for (name, entry) in entries { try container.encode(entry, forKey: Name(stringValue: name)) }
            if !metadata.isEmpty { try container.encode(metadata, forKey: Name(stringValue: "__metadata__")) }
        }
    }

    /// The header JSON, padded with spaces to a multiple of 8 bytes.
    /// - Throws: `StorageError.safetensorsBadName` for an empty or reserved tensor name.
    public static func headerText(_ file: SafeTensorsFile) throws -> String {
        var entries: [String: Entry] = [:]
        var offset = 0
        for name in file.tensors.keys.sorted() {
            guard !name.isEmpty, name != "__metadata__" else { throw StorageError.safetensorsBadName(name: name) }
            let array = file.tensors[name]!
            let end = offset + 4 * array.values.count
            entries[name] = Entry(dtype: "F32", shape: array.shape, dataOffsets: [offset, end])
            offset = end
        }
        let data = try JSONCoding.encoder().encode(Header(entries: entries, metadata: file.metadata))
        let json = String(decoding: data, as: UTF8.self)
        let padding = (8 - json.utf8.count % 8) % 8
        return json + String(repeating: " ", count: padding)
    }

    /// The bytes of a safetensors file holding `file` as little-endian float32.
    public static func encode(_ file: SafeTensorsFile) throws -> Data {
        let header = Array(try headerText(file).utf8)
        var data = Data(capacity: 8 + header.count + file.tensors.values.reduce(0) { $0 + 4 * $1.values.count })
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for name in file.tensors.keys.sorted() {
            data.append(file.tensors[name]!.littleEndianBytes())
        }
        return data
    }

    /// Writes `file` to `url` atomically (see `AtomicFile`).
    public static func write(_ file: SafeTensorsFile, to url: URL) throws {
        try AtomicFile.write(encode(file), to: url)
    }

    // MARK: - Reading

    /// Reads a safetensors file.
    /// - Throws: `StorageError.readFailed` or one of the `safetensors…` cases naming the file.
    public static func read(from url: URL) throws -> SafeTensorsFile {
        try decode(AtomicFile.read(url), path: url.path)
    }

    /// Parses the bytes of a safetensors file; `path` names it in error messages.
    public static func decode(_ data: Data, path: String = "<data>") throws -> SafeTensorsFile {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> SafeTensorsFile in
            guard bytes.count >= 8 else {
                throw StorageError.safetensorsTruncated(path: path, size: bytes.count, needed: 8)
            }
            let announced = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
            guard announced <= UInt64(maximumHeaderLength) else {
                throw StorageError.safetensorsHeaderTooLarge(path: path, length: announced, limit: maximumHeaderLength)
            }
            let headerLength = Int(announced)
            guard bytes.count >= 8 + headerLength else {
                throw StorageError.safetensorsTruncated(path: path, size: bytes.count, needed: 8 + headerLength)
            }
            let header: JSONValue
            do {
                header = try JSONValue.parse(Data(bytes[8..<(8 + headerLength)]))
            } catch {
                throw StorageError.safetensorsInvalidJSON(path: path, detail: JSONCoding.describe(error))
            }
            guard case .object(let members) = header else {
                throw StorageError.safetensorsInvalidJSON(path: path, detail: "the header is not a JSON object")
            }
            let dataStart = 8 + headerLength
            let dataLength = bytes.count - dataStart

            var file = SafeTensorsFile(tensors: [:])
            var ranges: [(name: String, begin: Int, end: Int)] = []
            for (name, entry) in members {
                if name == "__metadata__" {
                    file.metadata = try parseMetadata(entry, path: path)
                    continue
                }
                let (type, shape, begin, end) = try parseEntry(entry, name: name, path: path)
                let byteCount = NDArray.checkedByteCount(shape, elementSize: type.size)
                guard byteCount == end - begin else {
                    throw StorageError.safetensorsBadEntry(
                        path: path, tensor: name,
                        detail: "shape \(shape) needs \(byteCount ?? Int.max) bytes but data_offsets [\(begin), \(end)] span \(end - begin)")
                }
                guard end <= dataLength else {
                    throw StorageError.safetensorsBadOffsets(
                        path: path, detail: "tensor '\(name)' ends at byte \(end) of a \(dataLength)-byte data block")
                }
                ranges.append((name, begin, end))
                file.tensors[name] = try NDArray(
                    shape: shape, values: type.floats(from: bytes, offset: dataStart + begin, count: (end - begin) / type.size))
            }
            try checkTiling(ranges, dataLength: dataLength, path: path)
            return file
        }
    }

    private static func parseMetadata(_ entry: JSONValue, path: String) throws -> [String: String] {
        guard case .object(let pairs) = entry else {
            throw StorageError.safetensorsInvalidJSON(path: path, detail: "__metadata__ is not an object")
        }
        var metadata: [String: String] = [:]
        for (key, value) in pairs {
            guard let text = value.stringValue else {
                throw StorageError.safetensorsInvalidJSON(path: path, detail: "__metadata__ value for '\(key)' is not a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func parseEntry(_ entry: JSONValue, name: String, path: String) throws
        -> (type: ElementType, shape: [Int], begin: Int, end: Int)
    {
        guard case .object = entry else {
            throw StorageError.safetensorsBadEntry(path: path, tensor: name, detail: "it is not an object")
        }
        guard let dtype = entry["dtype"]?.stringValue else {
            throw StorageError.safetensorsBadEntry(path: path, tensor: name, detail: "'dtype' is missing or not a string")
        }
        let type: ElementType
        switch dtype {
        case "F32": type = .float32
        case "F64": type = .float64
        case "I32": type = .int32
        case "I64": type = .int64
        default: throw StorageError.safetensorsUnsupportedDtype(path: path, tensor: name, dtype: dtype)
        }
        guard case .array(let extents)? = entry["shape"],
              case let shape = extents.compactMap({ $0.intValue }),
              shape.count == extents.count, shape.allSatisfy({ $0 >= 0 })
        else {
            throw StorageError.safetensorsBadEntry(path: path, tensor: name, detail: "'shape' is not a list of non-negative integers")
        }
        guard case .array(let offsets)? = entry["data_offsets"], offsets.count == 2,
              let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, end >= begin
        else {
            throw StorageError.safetensorsBadEntry(path: path, tensor: name, detail: "'data_offsets' is not a pair [begin, end] with 0 ≤ begin ≤ end")
        }
        return (type, shape, begin, end)
    }

    /// The ranges, in order, must start at 0, follow each other without gaps or overlaps,
    /// and end at the end of the data block.
    private static func checkTiling(_ ranges: [(name: String, begin: Int, end: Int)], dataLength: Int, path: String) throws {
        var position = 0
        for range in ranges.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard range.begin == position else {
                throw StorageError.safetensorsBadOffsets(
                    path: path, detail: "tensor '\(range.name)' starts at byte \(range.begin) where byte \(position) was expected")
            }
            position = range.end
        }
        guard position == dataLength else {
            throw StorageError.safetensorsBadOffsets(
                path: path, detail: "the tensors cover \(position) bytes of a \(dataLength)-byte data block")
        }
    }
}

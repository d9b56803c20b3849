import Foundation

/// NumPy's `.npy` format: a preamble, a Python-literal header dictionary, raw data.
///
/// Layout written (version 1.0, byte-for-byte what `numpy.save` writes for float32):
/// ```
/// \x93NUMPY  01 00  <uint16 LE header length>
/// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }<spaces>\n
/// <little-endian float32 data, C order>
/// ```
/// After the dictionary NumPy leaves room for the first extent to grow to 21 digits, then
/// pads with spaces and a final `'\n'` so that the data starts at a multiple of 64 bytes.
///
/// The reader accepts versions 1.0, 2.0 (32-bit header length) and 3.0 (UTF-8 header),
/// dtypes `<f4`, `<f8`, `<i4`, `<i8` (converted to `Float`; 64-bit values round), and
/// C order only.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    /// The data offset is a multiple of this.
    static let alignment = 64
    /// NumPy's `GROWTH_AXIS_MAX_DIGITS`: spare header room for the first extent.
    static let growthAxisMaxDigits = 21

    // MARK: - Writing

    /// The complete version 1.0 header text (dictionary, growth room, padding and `'\n'`)
    /// for a float32 C-order array of `shape`.
    public static func headerText(shape: [Int]) -> String {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        if let first = shape.first {
            header += String(repeating: " ", count: max(0, growthAxisMaxDigits - String(first).utf8.count))
        }
        // preamble (6 magic + 2 version + 2 length) + header + '\n', padded to the alignment
        let unpadded = 10 + header.utf8.count + 1
        let padding = alignment - unpadded % alignment
        return header + String(repeating: " ", count: padding) + "\n"
    }

    /// The bytes of a `.npy` version 1.0 file holding `array` as little-endian float32.
    /// - Throws: `StorageError.npyHeaderTooLong` for a shape of absurd rank.
    public static func encode(_ array: NDArray) throws -> Data {
        let header = Array(headerText(shape: array.shape).utf8)
        guard header.count <= Int(UInt16.max) else {
            throw StorageError.npyHeaderTooLong(shape: array.shape)
        }
        var data = Data(capacity: 10 + header.count + 4 * array.values.count)
        data.append(contentsOf: magic)
        data.append(contentsOf: [1, 0])
        data.append(UInt8(header.count & 0xFF))
        data.append(UInt8(header.count >> 8))
        data.append(contentsOf: header)
        data.append(array.littleEndianBytes())
        return data
    }

    /// Writes `array` to `url` as a `.npy` file, atomically (see `AtomicFile`).
    public static func write(_ array: NDArray, to url: URL) throws {
        try AtomicFile.write(encode(array), to: url)
    }

    // MARK: - Reading

    /// Reads a `.npy` file.
    /// - Throws: `StorageError.readFailed` or one of the `npy…` cases naming the file.
    public static func read(from url: URL) throws -> NDArray {
        try decode(AtomicFile.read(url), path: url.path)
    }

    /// Parses the bytes of a `.npy` file; `path` names it in error messages.
    public static func decode(_ data: Data, path: String = "<data>") throws -> NDArray {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> NDArray in
            guard bytes.count >= 8 else {
                if bytes.count < 6 || !bytes.prefix(6).elementsEqual(magic) {
                    throw StorageError.npyBadMagic(path: path)
                }
                throw StorageError.npyTruncated(path: path, size: bytes.count)
            }
            guard bytes.prefix(6).elementsEqual(magic) else { throw StorageError.npyBadMagic(path: path) }
            let major = bytes[6], minor = bytes[7]
            let lengthSize: Int
            switch (major, minor) {
            case (1, 0): lengthSize = 2
            case (2, 0), (3, 0): lengthSize = 4
            default: throw StorageError.npyUnsupportedVersion(path: path, major: major, minor: minor)
            }
            guard bytes.count >= 8 + lengthSize else { throw StorageError.npyTruncated(path: path, size: bytes.count) }
            var headerLength = 0
            for i in 0..<lengthSize { headerLength |= Int(bytes[8 + i]) << (8 * i) }
            let dataOffset = 8 + lengthSize + headerLength
            guard bytes.count >= dataOffset else { throw StorageError.npyTruncated(path: path, size: bytes.count) }

            let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[(8 + lengthSize)..<dataOffset])
            let header = try parseHeader(Array(headerBytes), path: path)
            guard !header.fortranOrder else { throw StorageError.npyFortranOrder(path: path) }

            let type: ElementType
            switch header.descr {
            case "<f4": type = .float32
            case "<f8": type = .float64
            case "<i4": type = .int32
            case "<i8": type = .int64
            default: throw StorageError.npyUnsupportedDtype(path: path, descr: header.descr)
            }
            let expected = NDArray.checkedByteCount(header.shape, elementSize: type.size)
            let actual = bytes.count - dataOffset
            guard expected == actual else {
                throw StorageError.npyDataSizeMismatch(
                    path: path, shape: header.shape, expectedBytes: expected ?? Int.max, actualBytes: actual)
            }
            let count = actual / type.size
            return try NDArray(shape: header.shape, values: type.floats(from: bytes, offset: dataOffset, count: count))
        }
    }

    // MARK: - Header dictionary

    struct Header {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]
    }

    /// Parses the Python dictionary literal `{'descr': …, 'fortran_order': …, 'shape': (…), }`.
    static func parseHeader(_ text: [UInt8], path: String) throws -> Header {
        var parser = PythonLiteralParser(bytes: text)
        let dictionary: [String: PythonLiteralParser.Value]
        do {
            dictionary = try parser.parseDictionary()
        } catch let error as PythonLiteralParser.Failure {
            throw StorageError.npyBadHeader(path: path, detail: error.message)
        }
        guard case .string(let descr)? = dictionary["descr"] else {
            throw StorageError.npyBadHeader(path: path, detail: "the 'descr' entry is missing or not a string")
        }
        guard case .bool(let fortranOrder)? = dictionary["fortran_order"] else {
            throw StorageError.npyBadHeader(path: path, detail: "the 'fortran_order' entry is missing or not True/False")
        }
        guard case .integers(let shape)? = dictionary["shape"], shape.allSatisfy({ $0 >= 0 }) else {
            throw StorageError.npyBadHeader(path: path, detail: "the 'shape' entry is missing or not a tuple of non-negative integers")
        }
        return Header(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }
}

/// Just enough of Python's literal syntax for `.npy` headers: a dictionary of string keys
/// whose values are strings, `True`/`False`, or tuples/lists of integers.
struct PythonLiteralParser {
    enum Value {
        case string(String)
        case bool(Bool)
        case integers([Int])
    }

    struct Failure: Error {
        let message: String
    }

    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDictionary() throws -> [String: Value] {
        try expect(UInt8(ascii: "{"))
        var result: [String: Value] = [:]
        while true {
            skipSpace()
            if peek() == UInt8(ascii: "}") { index += 1; break }
            let key = try parseString()
            try expect(UInt8(ascii: ":"))
            result[key] = try parseValue()
            skipSpace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            break
        }
        skipSpace()
        guard index == bytes.count else { throw Failure(message: "unexpected text after the dictionary") }
        return result
    }

    private mutating func parseValue() throws -> Value {
        skipSpace()
        switch peek() {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "("), UInt8(ascii: "["):
            return .integers(try parseIntegerSequence())
        default:
            let word = takeWhile(PythonLiteralParser.isIdentifier)
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            default: throw Failure(message: "unexpected value '\(word)' at byte \(index)")
            }
        }
    }

    private mutating func parseString() throws -> String {
        skipSpace()
        guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            throw Failure(message: "expected a quoted string at byte \(index)")
        }
        index += 1
        let start = index
        while index < bytes.count, bytes[index] != quote { index += 1 }
        guard index < bytes.count else { throw Failure(message: "unterminated string") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        index += 1
        return text
    }

    private mutating func parseIntegerSequence() throws -> [Int] {
        let close = bytes[index] == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]")
        index += 1
        var values: [Int] = []
        while true {
            skipSpace()
            if peek() == close { index += 1; return values }
            let digits = takeWhile { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            guard let value = Int(digits) else { throw Failure(message: "expected an integer extent at byte \(index)") }
            if peek() == UInt8(ascii: "L") { index += 1 }  // Python 2 long literals
            values.append(value)
            skipSpace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try expect(close)
            return values
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard peek() == byte else {
            throw Failure(message: "expected '\(Character(Unicode.Scalar(byte)))' at byte \(index)")
        }
        index += 1
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D { index += 1 }
    }

    private mutating func takeWhile(_ predicate: (UInt8) -> Bool) -> String {
        let start = index
        while let byte = peek(), predicate(byte) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private static func isIdentifier(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }
}

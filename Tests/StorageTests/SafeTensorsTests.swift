import Foundation
import XCTest
@testable import Storage

final class SafeTensorsTests: XCTestCase {
    /// A file from a header text and a data block, laid out by hand.
    private func handMadeFile(header: String, data: Data) -> Data {
        var file = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: Array(header.utf8))
        file.append(data)
        return file
    }

    private func bytes<T>(_ values: [T]) -> Data {
        values.withUnsafeBytes { Data($0) }  // the test machine is little-endian (x86-64 / arm64)
    }

    private func decodeError(_ data: Data) -> StorageError? {
        do { _ = try SafeTensors.decode(data, path: "c.safetensors"); return nil } catch { return error as? StorageError }
    }

    // MARK: - Byte layout

    func testHeaderBytesAndDataLayout() throws {
        let file = SafeTensorsFile(
            tensors: ["b": try NDArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
                      "a": try NDArray(shape: [4], values: [-1, -2, -3, -4])],
            metadata: ["epoch": "3", "note": "quote \" and \\ backslash"])
        let data = [UInt8](try SafeTensors.encode(file))
        let headerLength = data[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0, "header padded to a multiple of 8")
        let json = #"{"__metadata__":{"epoch":"3","note":"quote \" and \\ backslash"},"#
            + #""a":{"data_offsets":[0,16],"dtype":"F32","shape":[4]},"#
            + #""b":{"data_offsets":[16,40],"dtype":"F32","shape":[2,3]}}"#
        let header = String(decoding: data[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertEqual(header, json + String(repeating: " ", count: headerLength - json.utf8.count))
        XCTAssertLessThan(headerLength - json.utf8.count, 8)
        // Data: "a" then "b", little-endian float32.
        let block = Array(data[(8 + headerLength)...])
        XCTAssertEqual(block, [UInt8](bytes([Float(-1), -2, -3, -4, 1, 2, 3, 4, 5, 6].map(\.bitPattern))))
    }

    func testNoMetadataKeyWithoutMetadata() throws {
        let header = try SafeTensors.headerText(SafeTensorsFile(tensors: ["w": try NDArray(shape: [1], values: [1])]))
        XCTAssertEqual(header.trimmingCharacters(in: .whitespaces), #"{"w":{"data_offsets":[0,4],"dtype":"F32","shape":[1]}}"#)
    }

    // MARK: - Round trips

    func testRoundTripThroughAFile() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("c.safetensors")
        let file = SafeTensorsFile(
            tensors: ["conv1.weight": try NDArray(shape: [2, 1, 3, 3], values: (0..<18).map { Float($0) / 3 - 2 }),
                      "step": try NDArray(shape: [], values: [12]),
                      "empty": try NDArray(shape: [0, 4], values: []),
                      "odd": try NDArray(shape: [3], values: [.infinity, -0.0, .leastNonzeroMagnitude])],
            metadata: ["epoch": "7", "optimizer": "adamw"])
        try SafeTensors.write(file, to: url)
        XCTAssertEqual(try SafeTensors.read(from: url), file)
        XCTAssertEqual(folderContents(folder), ["c.safetensors"])
    }

    func testReadsOtherNumericDtypesAsFloat() throws {
        let header = #"{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"#
            + #""i":{"dtype":"I64","shape":[1,2],"data_offsets":[16,32]},"n":{"dtype":"I32","shape":[],"data_offsets":[32,36]}}"#
        let data = bytes([0.5, -1e6].map(\.bitPattern)) + bytes([Int64(-4), 1 << 33]) + bytes([Int32(9)])
        let file = try SafeTensors.decode(handMadeFile(header: header, data: data))
        XCTAssertEqual(file.tensors["d"]?.values, [0.5, -1e6])
        XCTAssertEqual(file.tensors["i"]?.shape, [1, 2])
        XCTAssertEqual(file.tensors["i"]?.values, [-4, Float(1 << 33)])
        XCTAssertEqual(file.tensors["n"]?.shape, [])
        XCTAssertEqual(file.tensors["n"]?.values, [9])
        XCTAssertEqual(file.metadata, [:])
    }

    // MARK: - Errors

    func testRejectsMalformedFiles() {
        let four = bytes([Float(1), 2, 3, 4].map(\.bitPattern))
        let entry = #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        XCTAssertNil(decodeError(handMadeFile(header: entry, data: four)), "the reference case is valid")

        XCTAssertEqual(decodeError(Data([1, 2, 3])), .safetensorsTruncated(path: "c.safetensors", size: 3, needed: 8))
        var huge = Data()
        withUnsafeBytes(of: UInt64(200_000_000).littleEndian) { huge.append(contentsOf: $0) }
        XCTAssertEqual(decodeError(huge + Data("{}".utf8)),
                       .safetensorsHeaderTooLarge(path: "c.safetensors", length: 200_000_000, limit: 100_000_000))
        XCTAssertEqual(decodeError(handMadeFile(header: entry, data: four).prefix(30)),
                       .safetensorsTruncated(path: "c.safetensors", size: 30, needed: 8 + entry.utf8.count))
        guard case .safetensorsInvalidJSON? = decodeError(handMadeFile(header: #"{"w":{"dtype":"#, data: four)),
              case .safetensorsInvalidJSON? = decodeError(handMadeFile(header: "[1, 2]", data: four)),
              case .safetensorsInvalidJSON? = decodeError(handMadeFile(header: #"{"__metadata__":{"e":3}}"#, data: Data()))
        else { return XCTFail("bad JSON headers must be reported as such") }
        XCTAssertEqual(decodeError(handMadeFile(header: entry.replacingOccurrences(of: "F32", with: "BF16"), data: four)),
                       .safetensorsUnsupportedDtype(path: "c.safetensors", tensor: "w", dtype: "BF16"))
        guard case .safetensorsBadEntry(_, "w", let detail)? =
                decodeError(handMadeFile(header: entry.replacingOccurrences(of: "[4]", with: "[5]"), data: four))
        else { return XCTFail("a shape that disagrees with the offsets must be rejected") }
        XCTAssertTrue(detail.contains("[5]"), detail)
        guard case .safetensorsBadEntry? = decodeError(handMadeFile(
            header: entry.replacingOccurrences(of: "[4]", with: "[4294967296,4294967296]"), data: four))
        else { return XCTFail("a shape whose size overflows must be rejected") }
        guard case .safetensorsBadOffsets? = decodeError(handMadeFile(header: entry, data: four + Data([0, 0, 0, 0]))),
              case .safetensorsBadOffsets? = decodeError(handMadeFile(
                  header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[4,16]}}"#, data: four)),
              case .safetensorsBadOffsets? = decodeError(handMadeFile(header: entry, data: four.prefix(12)))
        else { return XCTFail("gaps, trailing bytes and overruns must be rejected") }
        guard case .safetensorsBadEntry? = decodeError(handMadeFile(
            header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}"#, data: four))
        else { return XCTFail("reversed offsets must be rejected") }
    }

    func testRefusesReservedTensorNames() throws {
        XCTAssertThrowsError(try SafeTensors.encode(SafeTensorsFile(tensors: ["__metadata__": try NDArray(shape: [], values: [1])]))) {
            XCTAssertEqual($0 as? StorageError, .safetensorsBadName(name: "__metadata__"))
        }
    }

    // MARK: - Independent reader

    /// The format read back by a dozen lines of Python (json + numpy.frombuffer), which
    /// follow the specification rather than this code. `safetensors.numpy.load_file` was
    /// checked by hand (see the report); the tests do not depend on that package.
    func testIndependentPythonReaderAgrees() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("c.safetensors")
        try SafeTensors.write(SafeTensorsFile(
            tensors: ["w": try NDArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6.5]), "b": try NDArray(shape: [2], values: [-1, 0.25])],
            metadata: ["epoch": "4"]), to: url)
        let output = try Python.run("""
            import sys, json, struct, numpy as np
            raw = open(sys.argv[1], 'rb').read()
            (n,) = struct.unpack('<Q', raw[:8])
            header = json.loads(raw[8:8 + n])
            meta = header.pop('__metadata__')
            out = [str(n % 8), meta['epoch']]
            for name in sorted(header):
                e = header[name]
                a, b = e['data_offsets']
                x = np.frombuffer(raw[8 + n + a: 8 + n + b], dtype='<f4').reshape(e['shape'])
                out.append(name + ':' + e['dtype'] + ':' + str(list(x.shape)) + ':' + ','.join(repr(float(v)) for v in x.ravel()))
            print(' '.join(out))
            """, [url.path])
        XCTAssertEqual(output, "0 4 b:F32:[2]:-1.0,0.25 w:F32:[2, 3]:1.0,2.0,3.0,4.0,5.0,6.5")
    }
}

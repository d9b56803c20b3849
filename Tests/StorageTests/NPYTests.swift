import Foundation
import XCTest
@testable import Storage

final class NPYTests: XCTestCase {
    /// A preamble + header as numpy lays it out, for hand-made files of other dtypes.
    private func handMadeFile(descr: String, fortran: Bool = false, shape: String, version: UInt8 = 1, payload: Data) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        let lengthBytes = version == 1 ? 2 : 4
        while (8 + lengthBytes + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [version, 0])
        let length = header.utf8.count
        for i in 0..<lengthBytes { data.append(UInt8((length >> (8 * i)) & 0xFF)) }
        data.append(contentsOf: Array(header.utf8))
        data.append(payload)
        return data
    }

    private func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> Data {
        var data = Data()
        for value in values { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    // MARK: - Byte layout

    func testHeaderBytesFollowNumpyLayout() throws {
        for shape in [[3, 4], [5], [], [0, 3], [2, 3, 4, 5], [123_456_789, 0]] {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { Float($0) * 0.5 - 1 }
            let bytes = [UInt8](try NPY.encode(NDArray(shape: shape, values: values)))
            XCTAssertEqual(Array(bytes[0..<6]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59], "magic")
            XCTAssertEqual(bytes[6], 1, "major version")
            XCTAssertEqual(bytes[7], 0, "minor version")
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            let dataStart = 10 + headerLength
            XCTAssertEqual(dataStart % 64, 0, "data must start on a 64-byte boundary for \(shape)")
            XCTAssertEqual(bytes[dataStart - 1], 0x0A, "header ends with a newline")
            XCTAssertEqual(bytes.count, dataStart + 4 * count)
            let header = String(decoding: bytes[10..<dataStart], as: UTF8.self)
            XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': "), header)
            XCTAssertEqual(header.trimmingCharacters(in: .whitespacesAndNewlines).last, "}")
            // The data: little-endian float32, C order.
            for (i, value) in values.enumerated() {
                let word = UInt32(bytes[dataStart + 4 * i]) | UInt32(bytes[dataStart + 4 * i + 1]) << 8
                    | UInt32(bytes[dataStart + 4 * i + 2]) << 16 | UInt32(bytes[dataStart + 4 * i + 3]) << 24
                XCTAssertEqual(word, value.bitPattern)
            }
        }
    }

    func testHeaderTextIsExactlyWhatNumpySaves() {
        // Copied from the bytes numpy 2.4 writes with numpy.save (120-byte header, data at 128).
        let dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"
        XCTAssertEqual(NPY.headerText(shape: [3, 4]), dictionary + String(repeating: " ", count: 58) + "\n")
        XCTAssertEqual(NPY.headerText(shape: [5]),
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }" + String(repeating: " ", count: 60) + "\n")
        XCTAssertEqual(NPY.headerText(shape: []),
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (), }" + String(repeating: " ", count: 62) + "\n")
    }

    // MARK: - Round trips

    func testRoundTripKeepsEveryBitPattern() throws {
        let special: [Float] = [0, -0.0, 1, -1, .infinity, -.infinity, .nan, .leastNonzeroMagnitude,
                                .greatestFiniteMagnitude, 1e-38, 3.14159274]
        let values = special + (0..<13).map { Float($0) / 7 }
        let array = try NDArray(shape: [2, 3, 4], values: values)
        let decoded = try NPY.decode(NPY.encode(array))
        XCTAssertEqual(decoded.shape, [2, 3, 4])
        XCTAssertEqual(decoded.values.map(\.bitPattern), values.map(\.bitPattern))
    }

    func testRoundTripThroughAFileForScalarsAndEmptyArrays() throws {
        let folder = try makeTemporaryFolder(self)
        for array in [try NDArray(shape: [], values: [42]), try NDArray(shape: [0, 5], values: []),
                      try NDArray(shape: [7], values: (0..<7).map(Float.init))] {
            let url = folder.appendingPathComponent("a.npy")
            try NPY.write(array, to: url)
            XCTAssertEqual(try NPY.read(from: url), array)
        }
    }

    func testReadsOtherNumericDtypesAsFloat() throws {
        let f8 = handMadeFile(descr: "<f8", shape: "(3,)", payload: littleEndian([0.25, -2.5, 1e10].map(\.bitPattern)))
        XCTAssertEqual(try NPY.decode(f8).values, [0.25, -2.5, 1e10])
        let i8 = handMadeFile(descr: "<i8", shape: "(2, 2)", payload: littleEndian([Int64(-3), 0, 7, 1 << 40]))
        let decoded = try NPY.decode(i8)
        XCTAssertEqual(decoded.shape, [2, 2])
        XCTAssertEqual(decoded.values, [-3, 0, 7, Float(1 << 40)])
        let i4 = handMadeFile(descr: "<i4", shape: "[2]", version: 2, payload: littleEndian([Int32(-9), 12]))
        XCTAssertEqual(try NPY.decode(i4).values, [-9, 12])
    }

    // MARK: - Errors

    func testRejectsWhatItCannotRead() {
        let payload = littleEndian([Float(1), 2].map(\.bitPattern))
        func error(_ data: Data) -> StorageError? {
            do { _ = try NPY.decode(data, path: "x.npy"); return nil } catch { return error as? StorageError }
        }
        XCTAssertEqual(error(handMadeFile(descr: "<f4", fortran: true, shape: "(2,)", payload: payload)),
                       .npyFortranOrder(path: "x.npy"))
        XCTAssertEqual(error(handMadeFile(descr: "<f2", shape: "(2,)", payload: payload)),
                       .npyUnsupportedDtype(path: "x.npy", descr: "<f2"))
        XCTAssertEqual(error(handMadeFile(descr: ">f4", shape: "(2,)", payload: payload)),
                       .npyUnsupportedDtype(path: "x.npy", descr: ">f4"))
        XCTAssertEqual(error(handMadeFile(descr: "<f4", shape: "(3,)", payload: payload)),
                       .npyDataSizeMismatch(path: "x.npy", shape: [3], expectedBytes: 12, actualBytes: 8))
        XCTAssertEqual(error(Data("PK\u{3}\u{4}not numpy".utf8)), .npyBadMagic(path: "x.npy"))
        XCTAssertEqual(error(handMadeFile(descr: "<f4", shape: "(1099511627776, 1099511627776)", payload: payload)),
                       .npyDataSizeMismatch(path: "x.npy", shape: [1 << 40, 1 << 40], expectedBytes: .max, actualBytes: 8),
                       "a shape whose size overflows is rejected, not trapped on")
        let good = handMadeFile(descr: "<f4", shape: "(2,)", payload: payload)
        XCTAssertEqual(error(good.prefix(40)), .npyTruncated(path: "x.npy", size: 40))
        var future = good
        future[6] = 4
        XCTAssertEqual(error(future), .npyUnsupportedVersion(path: "x.npy", major: 4, minor: 0))
        guard case .npyBadHeader? = error(handMadeFile(descr: "<f4", shape: "'two'", payload: payload)) else {
            return XCTFail("a non-tuple shape must be a bad header")
        }
        let message = String(describing: error(handMadeFile(descr: "<f4", shape: "(3,)", payload: payload))!)
        XCTAssertTrue(message.contains("x.npy") && message.contains("[3]"), message)
    }

    func testArraysCheckTheirShape() {
        XCTAssertThrowsError(try NDArray(shape: [2, 3], values: [1, 2])) {
            XCTAssertEqual($0 as? StorageError, .shapeMismatch(shape: [2, 3], count: 2))
        }
        XCTAssertThrowsError(try NDArray(shape: [-1], values: []))
        XCTAssertThrowsError(try NDArray(shape: [1 << 40, 1 << 40], values: []))
        XCTAssertNoThrow(try NDArray(shape: [], values: [1]))
    }

    func testMissingFileNamesThePath() {
        XCTAssertThrowsError(try NPY.read(from: URL(fileURLWithPath: "/nonexistent/w.npy"))) { error in
            XCTAssertEqual(error as? StorageError, .readFailed(path: "/nonexistent/w.npy", reason: "no such file"))
        }
    }

    // MARK: - numpy cross-checks

    func testNumpyLoadsWhatWeWriteAndWritesTheSameBytes() throws {
        let folder = try makeTemporaryFolder(self)
        let ours = folder.appendingPathComponent("ours.npy")
        let values = (0..<60).map { Float($0) * 0.25 - 3 }
        try NPY.write(NDArray(shape: [3, 4, 5], values: values), to: ours)
        let output = try Python.run("""
            import sys, numpy as np
            a = np.load(sys.argv[1])
            expected = (np.arange(60, dtype=np.float32) * np.float32(0.25) - np.float32(3)).reshape(3, 4, 5)
            np.save(sys.argv[2], expected)
            print(a.dtype.str, a.shape, a.flags['C_CONTIGUOUS'], bool(np.array_equal(a, expected)))
            """, [ours.path, folder.appendingPathComponent("theirs.npy").path])
        XCTAssertEqual(output, "<f4 (3, 4, 5) True True")
        let theirs = try Data(contentsOf: folder.appendingPathComponent("theirs.npy"))
        XCTAssertEqual(try Data(contentsOf: ours), theirs, "byte-for-byte what numpy.save writes")
    }

    func testReadsWhatNumpyWrites() throws {
        let folder = try makeTemporaryFolder(self)
        _ = try Python.run("""
            import sys, os, numpy as np
            d = sys.argv[1]
            np.save(os.path.join(d, 'f4.npy'), np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4))
            np.save(os.path.join(d, 'f8.npy'), np.array([[0.5, -1.5], [2.0, 1e-3]]))
            np.save(os.path.join(d, 'i8.npy'), np.arange(-3, 3, dtype=np.int64))
            np.save(os.path.join(d, 'i4.npy'), np.array(7, dtype=np.int32))
            np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
            np.save(os.path.join(d, 'half.npy'), np.ones(3, dtype=np.float16))
            """, [folder.path])
        let f4 = try NPY.read(from: folder.appendingPathComponent("f4.npy"))
        XCTAssertEqual(f4.shape, [2, 3, 4])
        for (i, value) in f4.values.enumerated() {
            XCTAssertEqual(value, Float(-1 + 2 * Double(i) / 23), accuracy: 1e-6)
        }
        XCTAssertEqual(try NPY.read(from: folder.appendingPathComponent("f8.npy")).values, [0.5, -1.5, 2, 1e-3])
        XCTAssertEqual(try NPY.read(from: folder.appendingPathComponent("i8.npy")).values, [-3, -2, -1, 0, 1, 2])
        let scalar = try NPY.read(from: folder.appendingPathComponent("i4.npy"))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.values, [7])
        let fortranPath = folder.appendingPathComponent("fortran.npy").path
        XCTAssertThrowsError(try NPY.read(from: URL(fileURLWithPath: fortranPath))) { error in
            XCTAssertEqual(error as? StorageError, .npyFortranOrder(path: fortranPath))
        }
        XCTAssertThrowsError(try NPY.read(from: folder.appendingPathComponent("half.npy"))) { error in
            guard case .npyUnsupportedDtype(_, "<f2")? = error as? StorageError else { return XCTFail("\(error)") }
        }
    }
}

import Foundation

/// A shaped block of `Float`s in row-major (C) order: what `.npy` and safetensors files hold.
///
/// `Storage` does not depend on the tensor library; callers convert with
/// `NDArray(shape: tensor.shape, values: tensor.data)` and back. A scalar has shape `[]`
/// and one value; any zero extent means no values.
public struct NDArray: Equatable, Sendable {
    /// Extents, outermost first.
    public let shape: [Int]
    /// `shape.reduce(1, *)` values, last axis fastest.
    public let values: [Float]

    /// Pairs a shape with its values.
    /// - Throws: `StorageError.shapeMismatch` when an extent is negative or the counts disagree.
    public init(shape: [Int], values: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), NDArray.checkedByteCount(shape, elementSize: 1) == values.count else {
            throw StorageError.shapeMismatch(shape: shape, count: values.count)
        }
        self.shape = shape
        self.values = values
    }

    /// The number of elements a shape holds (1 for a scalar).
    public static func elementCount(_ shape: [Int]) -> Int {
        shape.reduce(1, *)
    }

    /// `elementSize × elementCount(shape)`, or nil when it overflows `Int` (a hostile file header).
    static func checkedByteCount(_ shape: [Int], elementSize: Int) -> Int? {
        var total = elementSize
        for extent in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            total = product
        }
        return total
    }
}

// MARK: - Little-endian conversion

extension NDArray {
    /// The values as raw little-endian IEEE 754 float32 bytes.
    func littleEndianBytes() -> Data {
        #if _endian(little)
        return values.withUnsafeBytes { Data($0) }
        #else
        var swapped = values.map { $0.bitPattern.littleEndian }
        return swapped.withUnsafeBytes { Data($0) }
        #endif
    }
}

/// The element types the readers convert to `Float`.
enum ElementType {
    case float32, float64, int32, int64

    /// Bytes per element.
    var size: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        }
    }

    /// Converts `count` little-endian elements starting at `offset` of `bytes` to `Float`
    /// (64-bit types round to the nearest `Float`).
    func floats(from bytes: UnsafeRawBufferPointer, offset: Int, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            let base = bytes.baseAddress!.advanced(by: offset)
            switch self {
            case .float32:
                #if _endian(little)
                if count > 0 { memcpy(out.baseAddress!, base, count * 4) }
                #else
                for i in 0..<count {
                    out[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
                #endif
            case .float64:
                for i in 0..<count {
                    let bits = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                    out[i] = Float(Double(bitPattern: bits))
                }
            case .int32:
                for i in 0..<count {
                    out[i] = Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                }
            case .int64:
                for i in 0..<count {
                    out[i] = Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                }
            }
            initialized = count
        }
    }
}

/// A shape mismatch or misuse, naming the operation and the shapes involved.
public struct ShapeError: Error, CustomStringConvertible, Equatable {
    /// The operation that was misused, e.g. `"matmul"`.
    public let op: String
    /// What was wrong, with the offending shapes.
    public let message: String
    public init(op: String, _ message: String) {
        self.op = op
        self.message = message
    }
    public var description: String { "\(op): \(message)" }
}

/// Shape arithmetic shared by the operators.
public enum Shape {
    /// The NumPy broadcast of two shapes: aligned from the right, each pair of extents
    /// equal or one of them 1.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else {
                throw ShapeError(op: op, "shapes \(a) and \(b) do not broadcast (axis \(i): \(x) vs \(y))")
            }
            result[i] = x == 1 ? y : x
        }
        return result
    }

    /// Row-major strides of `shape`, in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = s
            s *= shape[axis]
        }
        return strides
    }

    /// Resolves a possibly negative axis against `rank`.
    public static func axis(_ axis: Int, rank: Int, op: String) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < rank else {
            throw ShapeError(op: op, "axis \(axis) is out of range for rank \(rank)")
        }
        return resolved
    }
}

/// Evaluates a shape check and stops with its message when it fails.
///
/// Operators validate with throwing functions (which tests call directly) and use
/// this to turn a failure into a precondition failure naming the op and shapes.
@inline(__always)
func checked<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch { preconditionFailure("\(error)") }
}

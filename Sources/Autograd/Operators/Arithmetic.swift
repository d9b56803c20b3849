// Broadcasting add, sub, mul, div, each with its gradient rule underneath.
//
// The engine sums each returned gradient back to its operand's shape, so the
// rules below are written as if no broadcasting happened.

// MARK: - Forward kernels

/// The four binary arithmetic operations, dispatched outside the inner loops.
enum BinaryKind: String {
    case add, sub, mul, div
}

/// Applies `kind` to `a` and `b` under NumPy broadcasting and returns the result
/// and its shape.
func broadcastBinary(_ a: Tensor, _ b: Tensor, _ kind: BinaryKind) -> (values: [Float], shape: [Int]) {
    let shape = checked { try Shape.broadcast(a.shape, b.shape, op: kind.rawValue) }
    let count = shape.product
    var out = [Float](repeating: 0, count: count)
    a.data.withUnsafeBufferPointer { pa in
        b.data.withUnsafeBufferPointer { pb in
            out.withUnsafeMutableBufferPointer { po in
                let x = pa.baseAddress!, y = pb.baseAddress!, z = po.baseAddress!
                if a.shape == b.shape {
                    Parallelism.forEachChunk(count, minChunk: 1 << 15) { r in
                        runBinary(kind, x + r.lowerBound, 1, y + r.lowerBound, 1, z + r.lowerBound, r.count)
                    }
                } else if b.count == 1 {
                    runBinary(kind, x, 1, y, 0, z, count)
                } else if a.count == 1 {
                    runBinary(kind, x, 0, y, 1, z, count)
                } else {
                    broadcastLoop(shape, a.shape, b.shape, x, y, z, kind)
                }
            }
        }
    }
    return (out, shape)
}

/// One contiguous run: `z[i] = x[i*sx] ∘ y[i*sy]` for `i < n`.
@inline(__always)
private func runBinary(_ kind: BinaryKind,
                       _ x: UnsafePointer<Float>, _ sx: Int,
                       _ y: UnsafePointer<Float>, _ sy: Int,
                       _ z: UnsafeMutablePointer<Float>, _ n: Int) {
    switch kind {
    case .add: for i in 0..<n { z[i] = x[i &* sx] + y[i &* sy] }
    case .sub: for i in 0..<n { z[i] = x[i &* sx] - y[i &* sy] }
    case .mul: for i in 0..<n { z[i] = x[i &* sx] * y[i &* sy] }
    case .div: for i in 0..<n { z[i] = x[i &* sx] / y[i &* sy] }
    }
}

/// The general case: walks the output's outer axes with a multi-index and runs
/// the innermost axis with per-operand strides of 0 (broadcast) or 1.
private func broadcastLoop(_ shape: [Int], _ aShape: [Int], _ bShape: [Int],
                           _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                           _ z: UnsafeMutablePointer<Float>, _ kind: BinaryKind) {
    let rank = shape.count
    func broadcastStrides(_ s: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: rank - s.count) + s
        let strides = Shape.strides(padded)
        return (0..<rank).map { padded[$0] == 1 ? 0 : strides[$0] }
    }
    let sa = broadcastStrides(aShape), sb = broadcastStrides(bShape)
    let inner = shape[rank - 1]
    let outer = shape.product / max(inner, 1)
    var index = [Int](repeating: 0, count: rank)
    for block in 0..<outer {
        var offA = 0, offB = 0
        for axis in 0..<(rank - 1) {
            offA += index[axis] * sa[axis]
            offB += index[axis] * sb[axis]
        }
        runBinary(kind, x + offA, sa[rank - 1], y + offB, sb[rank - 1], z + block * inner, inner)
        var axis = rank - 2
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { break }
            index[axis] = 0
            axis -= 1
        }
    }
}

// MARK: - Operators

extension Tensor {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (values, shape) = broadcastBinary(a, b, .add)
        return Tensor(shape: shape, data: values, op: "add", parents: [a, b]) { g in
            // d(a+b)/da = 1, d(a+b)/db = 1
            [Gradient(g, shape: shape), Gradient(g, shape: shape)]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (values, shape) = broadcastBinary(a, b, .sub)
        return Tensor(shape: shape, data: values, op: "sub", parents: [a, b]) { g in
            // d(a−b)/da = 1, d(a−b)/db = −1
            [Gradient(g, shape: shape), b.requiresGrad ? Gradient(negated(g), shape: shape) : nil]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (values, shape) = broadcastBinary(a, b, .mul)
        return Tensor(shape: shape, data: values, op: "mul", parents: [a, b]) { g in
            // d(ab)/da = b, d(ab)/db = a
            let gradOut = Tensor(shape: shape, data: g)
            return [
                a.requiresGrad ? Gradient(broadcastBinary(gradOut, b, .mul).values, shape: shape) : nil,
                b.requiresGrad ? Gradient(broadcastBinary(gradOut, a, .mul).values, shape: shape) : nil,
            ]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let (values, shape) = broadcastBinary(a, b, .div)
        return Tensor(shape: shape, data: values, op: "div", parents: [a, b]) { g in
            // d(a/b)/da = 1/b, d(a/b)/db = −(a/b)/b
            let gradOut = Tensor(shape: shape, data: g)
            let gradA = broadcastBinary(gradOut, b, .div).values
            var gradB: Gradient? = nil
            if b.requiresGrad {
                var t = gradA  // g/b
                t.withUnsafeMutableBufferPointer { p in
                    values.withUnsafeBufferPointer { q in
                        for i in 0..<p.count { p[i] = -p[i] * q[i] }
                    }
                }
                gradB = Gradient(t, shape: shape)
            }
            return [a.requiresGrad ? Gradient(gradA, shape: shape) : nil, gradB]
        }
    }

    /// Adds a constant.
    public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
    /// Adds a constant.
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
    /// Subtracts a constant.
    public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
    /// Subtracts from a constant.
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
    /// Scales by a constant.
    public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
    /// Scales by a constant.
    public static func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }
    /// Divides by a constant.
    public static func / (a: Tensor, b: Float) -> Tensor { a / Tensor(b) }
    /// Divides a constant.
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }
}

/// `-g`, elementwise.
func negated(_ g: [Float]) -> [Float] {
    var out = g
    out.withUnsafeMutableBufferPointer { p in
        for i in 0..<p.count { p[i] = -p[i] }
    }
    return out
}

import Foundation

// Sums, means and maxima over the whole tensor or along axes, each with its
// gradient underneath.
//
// Every axis reduction is the same loop nest: the input is viewed as
// [outer, n, inner] (the axes before, along and after the reduced block) and
// rows of `inner` contiguous elements are combined, so the innermost loop always
// runs over adjacent memory. Reducing several axes reduces each run of adjacent
// axes as one block, last block first.

/// Elements per parallel work item in the reductions.
private let reductionGrain = 1 << 15

// MARK: - Axis validation

extension Shape {
    /// Resolves a possibly negative `axis` against `shape`, naming `op` and the shape
    /// when it is out of range.
    static func resolvedAxis(_ axis: Int, shape: [Int], op: String) throws -> Int {
        let resolved = axis < 0 ? axis + shape.count : axis
        guard resolved >= 0, resolved < shape.count else {
            throw ShapeError(op: op, "axis \(axis) is out of range for shape \(shape) (rank \(shape.count))")
        }
        return resolved
    }

    /// Resolves a list of reduction axes against `shape`: each in range (negative
    /// counts from the end), none repeated. Returns them ascending.
    static func reductionAxes(_ axes: [Int], shape: [Int], op: String) throws -> [Int] {
        var resolved: [Int] = []
        for axis in axes {
            let r = try resolvedAxis(axis, shape: shape, op: op)
            guard !resolved.contains(r) else {
                throw ShapeError(op: op, "axis \(r) is listed twice in \(axes) for shape \(shape)")
            }
            resolved.append(r)
        }
        return resolved.sorted()
    }

    /// `shape` viewed as `[outer, n, inner]` around the axes `first...last`.
    static func split(_ shape: [Int], first: Int, last: Int) -> (outer: Int, n: Int, inner: Int) {
        (Array(shape[..<first]).product, Array(shape[first...last]).product, Array(shape[(last + 1)...]).product)
    }
}

// MARK: - Kernels

/// Σ of `values` in `Double`, summed block by block in a fixed order (so the result
/// does not depend on the thread count).
func sumAll(_ values: [Float]) -> Double {
    let blocks = (values.count + reductionGrain - 1) / reductionGrain
    guard blocks > 0 else { return 0 }
    var partial = [Double](repeating: 0, count: blocks)
    values.withUnsafeBufferPointer { src in
        partial.withUnsafeMutableBufferPointer { dst in
            let x = src.baseAddress!, out = dst.baseAddress!
            Parallelism.forEachChunk(blocks) { range in
                for block in range {
                    let start = block * reductionGrain
                    out[block] = sumRun(x + start, Swift.min(reductionGrain, src.count - start))
                }
            }
        }
    }
    return partial.reduce(0, +)
}

/// Sums `[outer, n, inner]` over its middle axis, giving `[outer, inner]`.
func sumMiddleAxis(_ values: [Float], outer: Int, n: Int, inner: Int) -> [Float] {
    var out = [Float](repeating: 0, count: outer * inner)
    guard outer * inner > 0, n > 0 else { return out }
    values.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let x = src.baseAddress!, y = dst.baseAddress!
            if inner == 1 {
                // Each output is the sum of one contiguous row of n.
                Parallelism.forEachChunk(outer, minChunk: Swift.max(1, reductionGrain / n)) { rows in
                    for o in rows { y[o] = Float(sumRun(x + o * n, n)) }
                }
            } else if outer >= Parallelism.threads || outer * n * inner < reductionGrain {
                Parallelism.forEachChunk(outer, minChunk: Swift.max(1, reductionGrain / (n * inner))) { rows in
                    for o in rows { addRows(x + o * n * inner, n, inner, y + o * inner, 0..<inner) }
                }
            } else {
                // Few outer slices: split the columns instead.
                for o in 0..<outer {
                    Parallelism.forEachChunk(inner, minChunk: Swift.max(1, reductionGrain / n)) { columns in
                        addRows(x + o * n * inner, n, inner, y + o * inner, columns)
                    }
                }
            }
        }
    }
    return out
}

/// Σ of a contiguous run in `Double`, with four independent accumulators so the
/// additions do not wait on one another.
@inline(__always)
func sumRun(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
    var i = 0
    while i + 4 <= n {
        a0 += Double(x[i]); a1 += Double(x[i + 1]); a2 += Double(x[i + 2]); a3 += Double(x[i + 3])
        i += 4
    }
    while i < n { a0 += Double(x[i]); i += 1 }
    return (a0 + a1) + (a2 + a3)
}

/// `y[c] += Σ_a x[a·inner + c]` for the columns `c` in `columns`.
@inline(__always)
private func addRows(_ x: UnsafePointer<Float>, _ n: Int, _ inner: Int,
                     _ y: UnsafeMutablePointer<Float>, _ columns: Range<Int>) {
    for a in 0..<n {
        let row = x + a * inner
        for c in columns { y[c] += row[c] }
    }
}

/// Repeats `values` (shape `from`, right-aligned and broadcastable to `to`) along
/// the broadcast axes, giving an array of shape `to`. The inverse of the engine's
/// sum-to-shape.
func expandBroadcast(_ values: [Float], from: [Int], to: [Int]) -> [Float] {
    if from == to || from.product == to.product { return values }
    let rank = to.count
    let padded = [Int](repeating: 1, count: rank - from.count) + from
    let strides = Shape.strides(padded)
    let sourceStrides = (0..<rank).map { padded[$0] == 1 ? 0 : strides[$0] }
    var out = [Float](repeating: 0, count: to.product)
    guard !out.isEmpty else { return out }
    let inner = to[rank - 1]
    let innerStride = sourceStrides[rank - 1]
    let outer = out.count / inner
    var index = [Int](repeating: 0, count: rank)
    values.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for block in 0..<outer {
                var offset = 0
                for axis in 0..<(rank - 1) { offset += index[axis] * sourceStrides[axis] }
                let d = dst.baseAddress! + block * inner
                if innerStride == 0 {
                    let v = src[offset]
                    for i in 0..<inner { d[i] = v }
                } else {
                    for i in 0..<inner { d[i] = src[offset + i] }
                }
                var axis = rank - 2
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < to[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
    return out
}

/// The maxima of `[outer, n, inner]` over the middle axis and the index of the first
/// maximal element of each slice (a NaN counts as larger than everything).
func maxMiddleAxis(_ values: [Float], outer: Int, n: Int, inner: Int) -> (values: [Float], indices: [Int]) {
    var best = [Float](repeating: 0, count: outer * inner)
    var argmaxes = [Int](repeating: 0, count: outer * inner)
    guard outer * inner > 0 else { return (best, argmaxes) }
    values.withUnsafeBufferPointer { src in
        best.withUnsafeMutableBufferPointer { pb in
            argmaxes.withUnsafeMutableBufferPointer { pw in
                let x = src.baseAddress!, b = pb.baseAddress!, w = pw.baseAddress!
                Parallelism.forEachChunk(outer, minChunk: Swift.max(1, reductionGrain / (n * inner))) { rows in
                    for o in rows {
                        let slice = x + o * n * inner, bo = b + o * inner, wo = w + o * inner
                        for c in 0..<inner { bo[c] = slice[c] }
                        for a in 1..<n {
                            let row = slice + a * inner
                            for c in 0..<inner {
                                // Branch-free selects: a larger value, or the first NaN, takes over.
                                let v = row[c], m = bo[c]
                                let take = v > m || (v != v && m == m)
                                bo[c] = take ? v : m
                                wo[c] = take ? a : wo[c]
                            }
                        }
                    }
                }
            }
        }
    }
    return (best, argmaxes)
}

// MARK: - Sum and mean

extension Tensor {
    /// The sum of all elements, as a scalar (shape `[]`); accumulated in `Double`.
    ///
    /// Gradient: every element receives the output's gradient.
    public func sum() -> Tensor {
        let x = self
        let total = Float(sumAll(data))
        return Tensor(shape: [], data: [total], op: "sum", parents: [x]) { g in
            [Gradient([Float](repeating: g[0], count: x.count), shape: x.shape)]
        }
    }

    /// The mean of all elements, as a scalar (shape `[]`); NaN for an empty tensor.
    ///
    /// Gradient: every element receives the output's gradient divided by the count.
    public func mean() -> Tensor {
        let x = self
        let n = Float(count)
        let mean = Float(sumAll(data) / Double(count))
        return Tensor(shape: [], data: [mean], op: "mean", parents: [x]) { g in
            [Gradient([Float](repeating: g[0] / n, count: x.count), shape: x.shape)]
        }
    }

    /// Sums over `axes` (negative axes count from the end; none may repeat).
    ///
    /// For `self` of shape `[2, 3, 4]`, `sum(axes: [0, -1])` has shape `[3]`, or
    /// `[1, 3, 1]` with `keepingDims`. Empty `axes` returns a copy (NumPy's rule).
    /// Sums that end at the last axis accumulate in `Double`, others in `Float`
    /// (row by row, as PyTorch does).
    /// Gradient: the output's gradient repeated along the summed axes.
    public func sum(axes: [Int], keepingDims: Bool = false) -> Tensor {
        reduceSum(axes: axes, keepingDims: keepingDims, op: "sum", average: false)
    }

    /// Means over `axes`: `sum(axes:keepingDims:)` divided by the number of elements
    /// combined into each output (NaN when that number is 0).
    public func mean(axes: [Int], keepingDims: Bool = false) -> Tensor {
        reduceSum(axes: axes, keepingDims: keepingDims, op: "mean", average: true)
    }

    private func reduceSum(axes: [Int], keepingDims: Bool, op: String, average: Bool) -> Tensor {
        let resolved = checked { try Shape.reductionAxes(axes, shape: shape, op: op) }
        var values = data
        var kept = shape  // the output shape with reduced axes kept as 1
        // Runs of adjacent axes, reduced as one block each, last run first.
        var runs: [(first: Int, last: Int)] = []
        for axis in resolved {
            if let run = runs.last, run.last == axis - 1 {
                runs[runs.count - 1].last = axis
            } else {
                runs.append((axis, axis))
            }
        }
        for run in runs.reversed() {
            let (outer, n, inner) = Shape.split(kept, first: run.first, last: run.last)
            values = sumMiddleAxis(values, outer: outer, n: n, inner: inner)
            for axis in run.first...run.last { kept[axis] = 1 }
        }
        let reducedCount = resolved.map { shape[$0] }.product
        if average {
            let scale = 1 / Float(reducedCount)
            values.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count { p[i] *= scale }
            }
        }
        let outShape = keepingDims ? kept : (0..<rank).filter { !resolved.contains($0) }.map { shape[$0] }
        let x = self
        return Tensor(shape: outShape, data: values, op: op, parents: [x]) { g in
            // d out[j] / d x[i] = 1 (or 1/count) for every x[i] summed into out[j].
            var dx = expandBroadcast(g, from: kept, to: x.shape)
            if average {
                let scale = 1 / Float(reducedCount)
                dx.withUnsafeMutableBufferPointer { p in
                    for i in 0..<p.count { p[i] *= scale }
                }
            }
            return [Gradient(dx, shape: x.shape)]
        }
    }
}

// MARK: - Max and argmax

extension Tensor {
    /// Checks that `axis` can be reduced by a maximum and returns it resolved.
    static func maxAxis(_ axis: Int, shape: [Int], op: String) throws -> Int {
        let resolved = try Shape.resolvedAxis(axis, shape: shape, op: op)
        guard shape[resolved] > 0 else {
            throw ShapeError(op: op, "axis \(axis) of shape \(shape) is empty, so it has no maximum")
        }
        return resolved
    }

    /// The largest element along `axis` (negative counts from the end).
    ///
    /// For `self` of shape `[2, 3, 4]`, `max(axis: 1)` has shape `[2, 4]`, or
    /// `[2, 1, 4]` with `keepingDims`. A NaN in a slice makes its maximum NaN.
    /// Gradient (PyTorch's rule): each slice's gradient goes to its *first*
    /// maximal element only; tied elements after it receive 0.
    public func max(axis: Int, keepingDims: Bool = false) -> Tensor {
        let resolved = checked { try Tensor.maxAxis(axis, shape: shape, op: "max") }
        let (outer, n, inner) = Shape.split(shape, first: resolved, last: resolved)
        let (values, indices) = maxMiddleAxis(data, outer: outer, n: n, inner: inner)
        var outShape = shape
        if keepingDims { outShape[resolved] = 1 } else { outShape.remove(at: resolved) }
        let x = self
        return Tensor(shape: outShape, data: values, op: "max", parents: [x]) { g in
            var dx = [Float](repeating: 0, count: x.count)
            dx.withUnsafeMutableBufferPointer { d in
                for o in 0..<outer {
                    for c in 0..<inner {
                        let j = o * inner + c
                        d[(o * n + indices[j]) * inner + c] = g[j]
                    }
                }
            }
            return [Gradient(dx, shape: x.shape)]
        }
    }

    /// The index along `axis` of the first largest element of each slice, in the
    /// row-major order of the output of `max(axis:)` (so one index per slice).
    /// Not differentiable; records nothing.
    public func argmax(axis: Int) -> [Int] {
        let resolved = checked { try Tensor.maxAxis(axis, shape: shape, op: "argmax") }
        let (outer, n, inner) = Shape.split(shape, first: resolved, last: resolved)
        return maxMiddleAxis(data, outer: outer, n: n, inner: inner).indices
    }
}

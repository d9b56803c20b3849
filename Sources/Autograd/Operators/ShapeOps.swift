// Ops that move elements without changing them: permute/transpose, slice and
// concat, each with its gradient underneath. Each output is a fresh contiguous
// copy; the gradient moves the incoming gradient back the same way.

/// Elements per parallel work item when copying.
private let copyGrain = 1 << 15
/// Side of the square tiles of a blocked transpose (32 × 32 floats = 4 KiB).
private let tileSide = 32

// MARK: - Permutation kernel

/// A multi-index over `extents` that keeps the matching element offsets into a
/// source and a destination up to date as it advances.
private struct Odometer {
    let extents: [Int], sourceStrides: [Int], destinationStrides: [Int]
    private(set) var index: [Int]
    private(set) var source = 0, destination = 0

    /// Positioned at the `start`-th multi-index in row-major order.
    init(extents: [Int], sourceStrides: [Int], destinationStrides: [Int], start: Int) {
        self.extents = extents
        self.sourceStrides = sourceStrides
        self.destinationStrides = destinationStrides
        index = [Int](repeating: 0, count: extents.count)
        var rest = start
        for k in stride(from: extents.count - 1, through: 0, by: -1) {
            index[k] = rest % extents[k]
            rest /= extents[k]
            source += index[k] * sourceStrides[k]
            destination += index[k] * destinationStrides[k]
        }
    }

    mutating func advance() {
        var k = extents.count - 1
        while k >= 0 {
            index[k] += 1
            source += sourceStrides[k]
            destination += destinationStrides[k]
            if index[k] < extents[k] { return }
            source -= sourceStrides[k] * extents[k]
            destination -= destinationStrides[k] * extents[k]
            index[k] = 0
            k -= 1
        }
    }
}

/// `shape` and `axes` with extent-1 axes dropped and input axes that stay adjacent
/// in the output merged: the same data movement at the smallest rank.
private func simplifyPermutation(_ shape: [Int], _ axes: [Int]) -> (shape: [Int], axes: [Int]) {
    let kept = (0..<shape.count).filter { shape[$0] != 1 }
    var compact = [Int](repeating: -1, count: shape.count)
    for (i, axis) in kept.enumerated() { compact[axis] = i }
    // Runs of consecutive (compacted) input axes, in output order.
    var groups: [[Int]] = []
    for axis in axes where shape[axis] != 1 {
        if let last = groups.last?.last, compact[axis] == compact[last] + 1 {
            groups[groups.count - 1].append(axis)
        } else {
            groups.append([axis])
        }
    }
    let inputOrder = groups.indices.sorted { groups[$0][0] < groups[$1][0] }
    let newShape = inputOrder.map { groups[$0].map { shape[$0] }.product }
    var position = [Int](repeating: 0, count: groups.count)
    for (p, g) in inputOrder.enumerated() { position[g] = p }
    return (newShape, groups.indices.map { position[$0] })
}

/// Copies `values` (row-major, `shape`) into the layout whose axis `i` is input
/// axis `axes[i]`.
func permuteValues(_ values: [Float], shape: [Int], axes: [Int]) -> [Float] {
    let (inShape, perm) = simplifyPermutation(shape, axes)
    let rank = inShape.count
    if values.isEmpty || rank <= 1 || perm == Array(0..<rank) { return values }
    var out = [Float](repeating: 0, count: values.count)
    let outShape = perm.map { inShape[$0] }
    let inStrides = Shape.strides(inShape), outStrides = Shape.strides(outShape)
    let last = rank - 1
    values.withUnsafeBufferPointer { ps in
        out.withUnsafeMutableBufferPointer { pd in
            let src = ps.baseAddress!, dst = pd.baseAddress!
            if perm[last] == last {
                // The innermost axis stays innermost: copy whole runs.
                let run = inShape[last]
                let outer = Array(0..<last)
                let items = values.count / run
                Parallelism.forEachChunk(items, minChunk: Swift.max(1, copyGrain / run)) { r in
                    var odometer = Odometer(extents: outer.map { outShape[$0] },
                                            sourceStrides: outer.map { inStrides[perm[$0]] },
                                            destinationStrides: outer.map { outStrides[$0] },
                                            start: r.lowerBound)
                    for _ in r {
                        (dst + odometer.destination).update(from: src + odometer.source, count: run)
                        odometer.advance()
                    }
                }
            } else {
                // Blocked 2-D transpose between the input's innermost axis (`last`, at
                // output position `across`) and the output's innermost axis (input
                // axis `down`), repeated over every other axis.
                let down = perm[last]
                let across = perm.firstIndex(of: last)!
                let (nDown, nAcross) = (inShape[down], inShape[last])
                let downStride = inStrides[down], acrossStride = outStrides[across]
                let tiles = (nDown + tileSide - 1) / tileSide
                let outer = (0..<last).filter { $0 != across }
                let items = outer.map { outShape[$0] }.product * tiles
                Parallelism.forEachChunk(items, minChunk: Swift.max(1, copyGrain / (tileSide * nAcross))) { r in
                    var odometer = Odometer(extents: outer.map { outShape[$0] } + [tiles],
                                            sourceStrides: outer.map { inStrides[perm[$0]] } + [tileSide * downStride],
                                            destinationStrides: outer.map { outStrides[$0] } + [tileSide],
                                            start: r.lowerBound)
                    for _ in r {
                        let tile = odometer.index[outer.count]
                        let height = Swift.min(tileSide, nDown - tile * tileSide)
                        let s = src + odometer.source, d = dst + odometer.destination
                        var a0 = 0
                        while a0 < nAcross {
                            let width = Swift.min(tileSide, nAcross - a0)
                            for a in a0..<(a0 + width) {
                                let dRow = d + a * acrossStride
                                for j in 0..<height { dRow[j] = s[j * downStride + a] }
                            }
                            a0 += tileSide
                        }
                        odometer.advance()
                    }
                }
            }
        }
    }
    return out
}

// MARK: - Permute and transpose

extension Tensor {
    /// Checks that `axes` is a permutation of the axes of `shape` (negative axes
    /// count from the end) and returns it resolved.
    static func permutationAxes(_ axes: [Int], shape: [Int]) throws -> [Int] {
        let rank = shape.count
        let resolved = axes.map { $0 < 0 ? $0 + rank : $0 }
        guard resolved.count == rank, resolved.sorted() == Array(0..<rank) else {
            throw ShapeError(op: "permute", "axes \(axes) are not a permutation of 0..<\(rank) for shape \(shape)")
        }
        return resolved
    }

    /// The tensor with its axes reordered: output axis `i` is input axis `axes[i]`
    /// (NumPy's `transpose(axes)`, PyTorch's `permute`). Negative axes count from the end.
    ///
    /// For `self` of shape `[N, C, H, W]`, `permuted([0, 2, 3, 1])` has shape
    /// `[N, H, W, C]`. The result is a contiguous copy (blocked, so large transposes
    /// stay cache-friendly). Gradient: the inverse permutation of the output's.
    public func permuted(_ axes: [Int]) -> Tensor {
        let resolved = checked { try Tensor.permutationAxes(axes, shape: shape) }
        let x = self
        let outShape = resolved.map { shape[$0] }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in resolved.enumerated() { inverse[axis] = i }
        let values = permuteValues(data, shape: shape, axes: resolved)
        return Tensor(shape: outShape, data: values, op: "permute", parents: [x]) { g in
            [Gradient(permuteValues(g, shape: outShape, axes: inverse), shape: x.shape)]
        }
    }

    /// The permutation that swaps the last two axes of `shape`.
    static func transposeAxes(_ shape: [Int]) throws -> [Int] {
        guard shape.count >= 2 else {
            throw ShapeError(op: "transpose", "needs at least 2 axes, got shape \(shape)")
        }
        var axes = Array(0..<shape.count)
        axes.swapAt(shape.count - 2, shape.count - 1)
        return axes
    }

    /// The transpose of a matrix, or of the last two axes of a higher-rank tensor
    /// (`[…, m, n] → […, n, m]`), as a contiguous copy.
    /// - Precondition: rank ≥ 2.
    public func transposed() -> Tensor {
        permuted(checked { try Tensor.transposeAxes(shape) })
    }
}

// MARK: - Slice

extension Tensor {
    /// Checks a slice and returns its axis resolved.
    static func sliceAxis(_ axis: Int, range: Range<Int>, shape: [Int]) throws -> Int {
        let resolved = try Shape.resolvedAxis(axis, shape: shape, op: "slice")
        guard range.lowerBound >= 0, range.upperBound <= shape[resolved] else {
            throw ShapeError(op: "slice", "range \(range) is outside 0..<\(shape[resolved]) along axis \(axis) of shape \(shape)")
        }
        return resolved
    }

    /// The elements whose index along `axis` lies in `range` (negative axes count
    /// from the end); an empty range gives an empty tensor.
    ///
    /// For `self` of shape `[4, 5]`, `slice(axis: 1, range: 1..<3)` has shape `[4, 2]`.
    /// Gradient: the output's gradient in the sliced positions, 0 elsewhere.
    public func slice(axis: Int, range: Range<Int>) -> Tensor {
        let resolved = checked { try Tensor.sliceAxis(axis, range: range, shape: shape) }
        let (outer, n, inner) = Shape.split(shape, first: resolved, last: resolved)
        let block = range.count * inner           // copied per outer index
        let skip = range.lowerBound * inner       // offset of the block in a slab of n·inner
        var outShape = shape
        outShape[resolved] = range.count
        var out = [Float](repeating: 0, count: outer * block)
        copyBlocks(from: data, to: &out, outer: outer, block: block,
                   sourceStride: n * inner, sourceOffset: skip, destinationStride: block, destinationOffset: 0)
        let x = self
        return Tensor(shape: outShape, data: out, op: "slice", parents: [x]) { g in
            var dx = [Float](repeating: 0, count: x.count)
            copyBlocks(from: g, to: &dx, outer: outer, block: block,
                       sourceStride: block, sourceOffset: 0, destinationStride: n * inner, destinationOffset: skip)
            return [Gradient(dx, shape: x.shape)]
        }
    }
}

/// For each `o < outer`, copies `block` contiguous elements from
/// `source[o·sourceStride + sourceOffset]` to `destination[o·destinationStride + destinationOffset]`.
private func copyBlocks(from source: [Float], to destination: inout [Float], outer: Int, block: Int,
                        sourceStride: Int, sourceOffset: Int, destinationStride: Int, destinationOffset: Int) {
    guard outer > 0, block > 0 else { return }
    source.withUnsafeBufferPointer { ps in
        destination.withUnsafeMutableBufferPointer { pd in
            let src = ps.baseAddress! + sourceOffset, dst = pd.baseAddress! + destinationOffset
            Parallelism.forEachChunk(outer, minChunk: Swift.max(1, copyGrain / block)) { r in
                for o in r {
                    (dst + o * destinationStride).update(from: src + o * sourceStride, count: block)
                }
            }
        }
    }
}

// MARK: - Concat

extension Tensor {
    /// Checks that `shapes` can be joined along `axis` and returns the axis resolved
    /// and the joined shape.
    static func concatShape(_ shapes: [[Int]], axis: Int) throws -> (axis: Int, shape: [Int]) {
        guard let first = shapes.first else {
            throw ShapeError(op: "concat", "needs at least one tensor")
        }
        let resolved = try Shape.resolvedAxis(axis, shape: first, op: "concat")
        var joined = first
        for s in shapes.dropFirst() {
            var a = s, b = first
            guard s.count == first.count else {
                throw ShapeError(op: "concat", "shapes \(first) and \(s) have different ranks")
            }
            a[resolved] = 0
            b[resolved] = 0
            guard a == b else {
                throw ShapeError(op: "concat", "shapes \(first) and \(s) differ outside axis \(axis)")
            }
            joined[resolved] += s[resolved]
        }
        return (resolved, joined)
    }

    /// The tensors joined along `axis` (negative counts from the end); all other
    /// extents must agree.
    ///
    /// For shapes `[2, 3]` and `[2, 5]`, `concat(_, axis: 1)` has shape `[2, 8]`.
    /// Gradient: the output's gradient split back into the inputs' pieces.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        let (resolved, shape) = checked { try concatShape(tensors.map(\.shape), axis: axis) }
        let (outer, n, inner) = Shape.split(shape, first: resolved, last: resolved)
        let blocks = tensors.map { $0.shape[resolved] * inner }   // per outer index, per input
        var offsets: [Int] = []
        var running = 0
        for b in blocks { offsets.append(running); running += b }
        var out = [Float](repeating: 0, count: shape.product)
        for (t, tensor) in tensors.enumerated() {
            copyBlocks(from: tensor.data, to: &out, outer: outer, block: blocks[t],
                       sourceStride: blocks[t], sourceOffset: 0, destinationStride: n * inner, destinationOffset: offsets[t])
        }
        return Tensor(shape: shape, data: out, op: "concat", parents: tensors) { g in
            tensors.indices.map { t in
                guard tensors[t].requiresGrad else { return nil }
                var piece = [Float](repeating: 0, count: tensors[t].count)
                copyBlocks(from: g, to: &piece, outer: outer, block: blocks[t],
                           sourceStride: n * inner, sourceOffset: offsets[t], destinationStride: blocks[t], destinationOffset: 0)
                return Gradient(piece, shape: tensors[t].shape)
            }
        }
    }
}

import Foundation

// MARK: - Gradient recording switch

/// Whether operations record the graph needed for `backward()`.
///
/// Recording is on by default. Evaluation code wraps itself in `withNoGrad` so
/// that no graph (and none of the memory it holds) is kept. The switch is per
/// thread, so a worker evaluating a model does not affect a trainer elsewhere.
public enum GradMode {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// `true` unless the current thread is inside `withNoGrad`.
    public static var isEnabled: Bool {
        pthread_getspecific(key) == nil
    }

    fileprivate static func set(enabled: Bool) {
        // Any non-nil pointer means "disabled"; the value itself is never read.
        pthread_setspecific(key, enabled ? nil : UnsafeRawPointer(bitPattern: 1))
    }
}

/// Runs `body` with gradient recording off on this thread, restoring the previous
/// state afterwards (nesting is fine).
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    let previous = GradMode.isEnabled
    GradMode.set(enabled: false)
    defer { GradMode.set(enabled: previous) }
    return try body()
}

// MARK: - Reverse walk

extension Tensor {
    /// Back-propagates from this tensor: every tensor it depends on that requires a
    /// gradient gets d(self)/d(tensor) added to its `grad` (call `zeroGrad()` first
    /// to start afresh).
    ///
    /// - Parameter seed: the gradient of some outer quantity with respect to this
    ///   tensor; defaults to 1, which is only allowed for single-element tensors.
    public func backward(seed: [Float]? = nil) {
        precondition(requiresGrad, "backward: tensor from \(op) does not require a gradient (no parameter reaches it)")
        let seedValues: [Float]
        if let seed {
            precondition(seed.count == count, "backward: seed of \(seed.count) elements for a tensor of shape \(shape)")
            seedValues = seed
        } else {
            precondition(count == 1, "backward: without a seed the tensor must have one element, not shape \(shape)")
            seedValues = [1]
        }

        let order = topologicalOrder()
        // Gradients of interior nodes live here during the walk; leaves keep theirs in `grad`.
        var pending: [ObjectIdentifier: [Float]] = [ObjectIdentifier(self): seedValues]
        for node in order.reversed() {
            guard let gradOutput = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            guard let backwardFn = node.backwardFn else {
                node.accumulate(gradOutput)
                continue
            }
            let parentGrads = backwardFn(gradOutput)
            precondition(parentGrads.count == node.parents.count,
                         "\(node.op): backward returned \(parentGrads.count) gradients for \(node.parents.count) inputs")
            for (parent, gradient) in zip(node.parents, parentGrads) {
                guard parent.requiresGrad, let gradient else { continue }
                let reduced = Tensor.sum(gradient.values, from: gradient.shape, to: parent.shape, op: node.op)
                let key = ObjectIdentifier(parent)
                if var existing = pending.removeValue(forKey: key) {
                    addInPlace(&existing, reduced)
                    pending[key] = existing
                } else {
                    pending[key] = reduced
                }
            }
        }
    }

    private func accumulate(_ gradient: [Float]) {
        if var existing = grad {
            grad = nil  // keep the buffer uniquely referenced so the add is in place
            addInPlace(&existing, gradient)
            grad = existing
        } else {
            grad = gradient
        }
    }

    /// Every tensor reachable from `self` through recorded parents, each after all of
    /// its parents. Iterative, so deep graphs cannot overflow the stack.
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: Tensor, nextParent: Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while !stack.isEmpty {
            let (node, index) = stack[stack.count - 1]
            if index < node.parents.count {
                stack[stack.count - 1].nextParent += 1
                let parent = node.parents[index]
                if parent.requiresGrad, visited.insert(ObjectIdentifier(parent)).inserted {
                    stack.append((parent, 0))
                }
            } else {
                order.append(node)
                stack.removeLast()
            }
        }
        return order
    }

    // MARK: - Undoing broadcasting

    /// Sums `values` (laid out with shape `from`) over the axes that broadcasting
    /// expanded, giving an array of shape `to`. `to` must broadcast to `from`.
    static func sum(_ values: [Float], from: [Int], to: [Int], op: String) -> [Float] {
        if from == to { return values }
        precondition(from.product == values.count, "\(op): gradient of \(values.count) elements for shape \(from)")
        if to.product == from.product {
            // Same elements, different rank only (leading 1s): the layout is identical.
            return values
        }
        guard (try? Shape.broadcast(from, to, op: op)) == from else {
            preconditionFailure("\(op): cannot sum a gradient of shape \(from) back to shape \(to)")
        }
        let rank = from.count
        let padded = [Int](repeating: 1, count: rank - to.count) + to
        var out = [Float](repeating: 0, count: to.product)
        // Output strides, zero along broadcast axes: each input element adds to one output slot.
        var outStrides = [Int](repeating: 0, count: rank)
        var running = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            outStrides[axis] = padded[axis] == 1 ? 0 : running
            running *= padded[axis]
        }
        // Walk `from` with the innermost axis as a tight loop.
        let inner = from[rank - 1]
        let innerStride = outStrides[rank - 1]
        let outer = values.count / Swift.max(inner, 1)
        var index = [Int](repeating: 0, count: rank)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for block in 0..<outer {
                    var base = 0
                    for axis in 0..<(rank - 1) { base += index[axis] * outStrides[axis] }
                    let srcBase = block * inner
                    if innerStride == 0 {
                        var acc: Float = 0
                        for i in 0..<inner { acc += src[srcBase + i] }
                        dst[base] += acc
                    } else {
                        for i in 0..<inner { dst[base + i] += src[srcBase + i] }
                    }
                    // Advance the multi-index over the outer axes.
                    var axis = rank - 2
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < from[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return out
    }
}

/// `a += b`, elementwise, for arrays of equal length.
@inline(__always)
func addInPlace(_ a: inout [Float], _ b: [Float]) {
    precondition(a.count == b.count, "gradient accumulation: \(a.count) vs \(b.count) elements")
    a.withUnsafeMutableBufferPointer { dst in
        b.withUnsafeBufferPointer { src in
            for i in 0..<dst.count { dst[i] += src[i] }
        }
    }
}

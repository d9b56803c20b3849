// Views that only change the shape: the elements keep their order.

extension Tensor {
    /// The same elements under a new shape; one extent may be `-1` (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let resolved = checked { try Tensor.resolveReshape(shape, to: newShape) }
        let x = self
        return Tensor(shape: resolved, data: data, op: "reshape", parents: [x]) { g in
            [Gradient(g, shape: x.shape)]
        }
    }

    /// Collapses every axis after the first: `[n, a, b, …] → [n, a·b·…]`.
    public func flattened() -> Tensor {
        precondition(rank >= 1, "flatten: needs at least one axis, got a scalar")
        return reshaped([shape[0], -1])
    }

    static func resolveReshape(_ shape: [Int], to newShape: [Int]) throws -> [Int] {
        let inferred = newShape.filter { $0 == -1 }.count
        guard inferred <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
            throw ShapeError(op: "reshape", "target shape \(newShape) may hold at most one -1 and no other negatives")
        }
        let known = newShape.filter { $0 != -1 }.product
        var resolved = newShape
        if inferred == 1 {
            guard known > 0, shape.product % known == 0 else {
                throw ShapeError(op: "reshape", "cannot infer -1 reshaping \(shape) to \(newShape)")
            }
            resolved[resolved.firstIndex(of: -1)!] = shape.product / known
        }
        guard resolved.product == shape.product else {
            throw ShapeError(op: "reshape", "cannot reshape \(shape) (\(shape.product) elements) to \(newShape)")
        }
        return resolved
    }
}

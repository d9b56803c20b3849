import Foundation

/// A dense, contiguous, row-major array of `Float` that can record the operations
/// applied to it and differentiate through them in reverse mode.
///
/// A `Tensor` is a reference type: the autodiff graph links outputs to the very
/// tensors they were computed from. Operations create new tensors; only optimizers
/// (and code that knows what it is doing) mutate `data` in place.
///
/// ```swift
/// let w = Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6], requiresGrad: true)
/// let x = Tensor(shape: [2], data: [1, -1])
/// let loss = (w * x).sum()
/// loss.backward()
/// w.grad   // [[1, -1], [1, -1], [1, -1]]
/// ```
public final class Tensor {
    /// The extent of each axis, outermost first. `[]` is a scalar.
    public let shape: [Int]
    /// The elements in row-major (C) order; `data.count == shape.product`.
    public var data: [Float]
    /// The gradient of the last `backward()` root with respect to this tensor,
    /// same layout as `data`; `nil` until a backward pass reaches it.
    public var grad: [Float]?
    /// Whether gradients flow to this tensor. Set on leaves (parameters, inputs
    /// under test); computed for op outputs.
    public private(set) var requiresGrad: Bool

    /// The name of the operation that produced this tensor, for error messages
    /// and graph dumps (`"leaf"` for tensors created directly).
    public let op: String
    /// The tensors this one was computed from (empty for leaves and whenever no
    /// gradient is recorded).
    let parents: [Tensor]
    /// Given the gradient of the output, returns one gradient per parent (in the
    /// order of `parents`); `nil` for a parent that gets nothing. A gradient may
    /// have the output's broadcast shape: the engine sums it back to the parent's.
    let backwardFn: Backward?

    /// The per-parent gradient rule of an op. See `parents`.
    typealias Backward = (_ gradOutput: [Float]) -> [Gradient?]

    /// Creates a leaf tensor.
    /// - Precondition: `data.count` equals the product of `shape`.
    public init(shape: [Int], data: [Float], requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(data.count == shape.product,
                     "Tensor: \(data.count) elements do not fill shape \(shape) (\(shape.product) needed)")
        self.shape = shape
        self.data = data
        self.requiresGrad = requiresGrad
        self.op = "leaf"
        self.parents = []
        self.backwardFn = nil
    }

    /// Creates the output of an operation. Records `parents` and `backward` only
    /// when gradient recording is on and some parent requires a gradient.
    init(shape: [Int], data: [Float], op: String, parents: [Tensor], backward: @escaping Backward) {
        assert(data.count == shape.product, "\(op): produced \(data.count) elements for shape \(shape)")
        self.shape = shape
        self.data = data
        self.op = op
        let record = GradMode.isEnabled && parents.contains { $0.requiresGrad }
        self.requiresGrad = record
        self.parents = record ? parents : []
        self.backwardFn = record ? backward : nil
    }

    /// Number of elements.
    public var count: Int { data.count }
    /// Number of axes.
    public var rank: Int { shape.count }
    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(data.count == 1, "item: tensor of shape \(shape) has \(data.count) elements, not 1")
        return data[0]
    }

    /// A tensor with the same data that is not connected to the graph.
    public func detached() -> Tensor { Tensor(shape: shape, data: data) }

    /// Marks a leaf as a trainable parameter (or stops it being one).
    public func requiresGrad(_ flag: Bool) -> Tensor {
        precondition(parents.isEmpty, "requiresGrad: only leaf tensors can be marked (this one came from \(op))")
        requiresGrad = flag
        return self
    }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { grad = nil }
}

/// A gradient for one parent, in the shape it was computed at (which may be the
/// broadcast shape of an op's output).
struct Gradient {
    var shape: [Int]
    var values: [Float]
    init(_ values: [Float], shape: [Int]) {
        self.values = values
        self.shape = shape
    }
}

// MARK: - Convenience constructors

extension Tensor {
    /// A scalar (rank-0) tensor.
    public convenience init(_ value: Float, requiresGrad: Bool = false) {
        self.init(shape: [], data: [value], requiresGrad: requiresGrad)
    }

    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, data: [Float](repeating: value, count: shape.product), requiresGrad: requiresGrad)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 0, requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, requiresGrad: requiresGrad)
    }

    /// Independent standard-normal samples scaled by `std`, from `rng`.
    public static func randn(_ shape: [Int], std: Float = 1, using rng: inout SeededRandom,
                             requiresGrad: Bool = false) -> Tensor {
        var values = [Float](repeating: 0, count: shape.product)
        for i in values.indices { values[i] = std * rng.nextNormal() }
        return Tensor(shape: shape, data: values, requiresGrad: requiresGrad)
    }

    /// Independent samples uniform in `[low, high)`, from `rng`.
    public static func uniform(_ shape: [Int], low: Float, high: Float, using rng: inout SeededRandom,
                               requiresGrad: Bool = false) -> Tensor {
        var values = [Float](repeating: 0, count: shape.product)
        for i in values.indices { values[i] = low + (high - low) * rng.nextFloat() }
        return Tensor(shape: shape, data: values, requiresGrad: requiresGrad)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = data.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(preview)\(data.count > 8 ? ", …" : "")], op: \(op))"
    }
}

extension Array where Element == Int {
    /// The number of elements of a tensor with this shape (1 for a scalar).
    @inlinable public var product: Int { reduce(1, *) }
}

// Layers without parameters, each wrapping one op so it can sit in a `Sequential`.

/// max(0, x), elementwise.
public struct ReLU: Layer {
    /// The layer (it has no settings).
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu() }
    public var namedParameters: [(name: String, tensor: Tensor)] { [] }
}

/// Collapses every axis after the first: `[N, a, b, …]` → `[N, a·b·…]`.
public struct Flatten: Layer {
    /// The layer (it has no settings).
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.flattened() }
    public var namedParameters: [(name: String, tensor: Tensor)] { [] }
}

/// Max pooling over `kernel`×`kernel` windows; see `Tensor.maxPool2d`.
public struct MaxPool2D: Layer {
    /// Window side.
    public let kernel: Int
    /// Step between windows; `nil` means `kernel`.
    public let stride: Int?
    /// A pooling layer; see the op for shapes.
    public init(kernel: Int, stride: Int? = nil) {
        self.kernel = kernel
        self.stride = stride
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.maxPool2d(kernel: kernel, stride: stride) }
    public var namedParameters: [(name: String, tensor: Tensor)] { [] }
}

/// Average pooling over `kernel`×`kernel` windows; see `Tensor.avgPool2d`.
public struct AvgPool2D: Layer {
    /// Window side.
    public let kernel: Int
    /// Step between windows; `nil` means `kernel`.
    public let stride: Int?
    /// A pooling layer; see the op for shapes.
    public init(kernel: Int, stride: Int? = nil) {
        self.kernel = kernel
        self.stride = stride
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.avgPool2d(kernel: kernel, stride: stride) }
    public var namedParameters: [(name: String, tensor: Tensor)] { [] }
}

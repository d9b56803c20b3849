// A chain of layers, applied in order.

/// Layers applied one after another (PyTorch's `nn.Sequential`).
///
/// Parameters are named by position like PyTorch's `state_dict`: the weight of
/// layer 0 is `"0.weight"`, the bias of layer 3 `"3.bias"`; a nested `Sequential`
/// adds its own prefix (`"1.0.weight"`).
public struct Sequential: Layer {
    /// The layers, in the order they are applied.
    public let layers: [any Layer]

    /// A model applying `layers` in order.
    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    /// A model applying `layers` in order.
    public init(_ layers: any Layer...) {
        self.init(layers)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        callAsFunction(input, upTo: layers.count)
    }

    /// Runs only the first `end` layers (`layers[0..<end]`), e.g. to read the feature
    /// maps after a convolution. `upTo: 0` returns the input itself. A `Conv2D`, `ReLU`,
    /// `MaxPool2D` run runs as one `conv2dReluMaxPool2d`, and a `ReLU` directly followed by
    /// a `MaxPool2D` as one `reluMaxPool2d` (identical results).
    /// - Precondition: `0 ≤ end ≤ layers.count`.
    public func callAsFunction(_ input: Tensor, upTo end: Int) -> Tensor {
        precondition((0...layers.count).contains(end),
                     "Sequential: cannot run the first \(end) of \(layers.count) layers")
        var x = input
        var index = 0
        while index < end {
            // A convolution, ReLU and max pooling in a row run as one op (same values and
            // gradients; the convolution's output never leaves the cache: see
            // `Tensor.conv2dReluMaxPool2d`); a ReLU straight before a max pooling likewise
            // (a quarter of the ReLU work; see `Tensor.reluMaxPool2d`).
            if index + 2 < end, let conv = layers[index] as? Conv2D, layers[index + 1] is ReLU,
               let pool = layers[index + 2] as? MaxPool2D {
                x = x.conv2dReluMaxPool2d(weight: conv.weight, bias: conv.bias, stride: conv.stride,
                                          padding: conv.padding, poolKernel: pool.kernel, poolStride: pool.stride)
                index += 3
            } else if index + 1 < end, layers[index] is ReLU, let pool = layers[index + 1] as? MaxPool2D {
                x = x.reluMaxPool2d(kernel: pool.kernel, stride: pool.stride)
                index += 2
            } else {
                x = layers[index](x)
                index += 1
            }
        }
        return x
    }

    /// The output of every layer, in order (the last one is the model's output).
    public func activations(_ input: Tensor) -> [Tensor] {
        var outputs: [Tensor] = []
        outputs.reserveCapacity(layers.count)
        var x = input
        for layer in layers {
            x = layer(x)
            outputs.append(x)
        }
        return outputs
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { index, layer in
            layer.namedParameters.map { (name: "\(index).\($0.name)", tensor: $0.tensor) }
        }
    }
}

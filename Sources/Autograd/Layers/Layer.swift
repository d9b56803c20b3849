// The layer protocol: a callable map from tensor to tensor that owns its parameters.

/// A building block of a network: maps an input tensor to an output tensor and
/// owns the trainable tensors it uses.
///
/// Layers are value types holding references to their parameter tensors, so a
/// copy of a layer shares its parameters, and optimizers update them in place.
public protocol Layer {
    /// Applies the layer.
    func callAsFunction(_ input: Tensor) -> Tensor

    /// The layer's trainable tensors with PyTorch-style `state_dict` names
    /// (`"weight"`, `"bias"`; `"0.weight"` inside a `Sequential`). Empty for
    /// layers without parameters.
    var namedParameters: [(name: String, tensor: Tensor)] { get }
}

extension Layer {
    /// The trainable tensors, in the order of `namedParameters`.
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }
}

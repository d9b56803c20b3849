// A fully connected layer around `Tensor.linear`.

/// A fully connected layer (PyTorch's `nn.Linear`): `y = x · Wᵀ + b`.
///
/// Input `[N, inFeatures]` → output `[N, outFeatures]`.
public struct Linear: Layer {
    /// `[outFeatures, inFeatures]` (PyTorch's layout).
    public let weight: Tensor
    /// `[outFeatures]`, or `nil`.
    public let bias: Tensor?

    /// A layer with PyTorch's default initialisation: weight and bias both uniform in
    /// ±1/√inFeatures (Kaiming uniform with a = √5), weight drawn first, then bias.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, rng: inout SeededRandom) {
        precondition(inFeatures > 0 && outFeatures > 0,
                     "Linear: feature counts must be positive, got \(inFeatures)→\(outFeatures)")
        let weight = Initializer.kaimingUniform(shape: [outFeatures, inFeatures], fanIn: inFeatures,
                                                gain: Initializer.defaultLayerGain, rng: &rng)
        let biasTensor = bias
            ? Initializer.uniform(shape: [outFeatures], bound: Float(1 / Double(inFeatures).squareRoot()), rng: &rng)
            : nil
        self.init(weight: weight, bias: biasTensor)
    }

    /// A layer around existing tensors; they are used as they are.
    /// - Precondition: `weight` is `[out, in]` and `bias`, if any, is `[out]`.
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        precondition(bias == nil || bias!.shape == [weight.shape[0]],
                     "Linear: bias of shape \(bias!.shape) does not match weight \(weight.shape)")
        self.weight = weight
        self.bias = bias
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.linear(weight: weight, bias: bias)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

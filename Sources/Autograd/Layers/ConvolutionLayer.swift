// A 2-D convolution layer around `Tensor.conv2d`.

/// A 2-D convolution layer (PyTorch's `nn.Conv2d` with square kernels and zero padding).
///
/// Input `[N, inChannels, H, W]` → output `[N, outChannels, OH, OW]`, sizes as in `Tensor.conv2d`.
public struct Conv2D: Layer {
    /// `[outChannels, inChannels, kernelSize, kernelSize]`.
    public let weight: Tensor
    /// `[outChannels]`, or `nil` for a layer without bias.
    public let bias: Tensor?
    /// Step between output pixels.
    public let stride: Int
    /// Zeros added on every side.
    public let padding: Int

    /// A layer with PyTorch's default initialisation: weight and bias both uniform in
    /// ±1/√fanIn with fanIn = inChannels · kernelSize² (Kaiming uniform with a = √5),
    /// weight drawn first, then bias, from `rng`.
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, rng: inout SeededRandom) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0,
                     "Conv2D: channels and kernel size must be positive, got \(inChannels)→\(outChannels), kernel \(kernelSize)")
        let fanIn = inChannels * kernelSize * kernelSize
        let weight = Initializer.kaimingUniform(shape: [outChannels, inChannels, kernelSize, kernelSize],
                                                fanIn: fanIn, gain: Initializer.defaultLayerGain, rng: &rng)
        let biasTensor = bias
            ? Initializer.uniform(shape: [outChannels], bound: Float(1 / Double(fanIn).squareRoot()), rng: &rng)
            : nil
        self.init(weight: weight, bias: biasTensor, stride: stride, padding: padding)
    }

    /// A layer around existing tensors (e.g. loaded from a checkpoint); they are used
    /// as they are, so mark them `requiresGrad` to train them.
    /// - Precondition: `weight` is `[OC, C, KH, KW]` and `bias`, if any, is `[OC]`.
    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) {
        precondition(weight.rank == 4, "Conv2D: weight must be [OC, C, KH, KW], got \(weight.shape)")
        precondition(bias == nil || bias!.shape == [weight.shape[0]],
                     "Conv2D: bias of shape \(bias!.shape) does not match weight \(weight.shape)")
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

import Autograd

/// The reference network of docs/DESIGN.md §5, "CNN-A", with its first-layer size configurable.
///
/// ```
/// conv1 C→F, k×k, pad k/2, bias · ReLU · maxpool 2
/// conv2 F→2F, 5×5, pad 2, bias · ReLU · maxpool 2
/// flatten (2F·(S/4)²) · fc →64 · ReLU · fc 64→classes
/// ```
/// With the defaults (3 input channels, 16 filters of 7×7, 32×32 input, 6 classes) this is
/// exactly CNN-A. The convolutional part runs at any input size; the classifier needs `inputSize`.
public struct CNNA {
    /// The whole network; layer 0 is conv1 and layer 3 is conv2.
    public var network: Sequential
    /// Index of conv1 and of conv2 in `network.layers`.
    public static let conv1Index = 0, conv2Index = 3

    /// Builds CNN-A with PyTorch's default initialisation, drawn from `rng`.
    /// - Parameters:
    ///   - inputChannels: 3 for RGB, 1 for gray.
    ///   - filters: conv1's output channels (conv2 has twice as many).
    ///   - kernelSize: conv1's kernel (odd, padded to keep the size).
    ///   - inputSize: the square input's side, a multiple of 4.
    ///   - classes: the classifier's outputs.
    public init(inputChannels: Int = 3, filters: Int = 16, kernelSize: Int = 7, inputSize: Int = 32,
                classes: Int = 6, rng: inout SeededRandom) {
        precondition(inputSize % 4 == 0, "CNNA: input size \(inputSize) must be a multiple of 4")
        let pooled = inputSize / 4
        network = Sequential([
            Conv2D(inChannels: inputChannels, outChannels: filters, kernelSize: kernelSize,
                   padding: kernelSize / 2, rng: &rng),
            ReLU(),
            MaxPool2D(kernel: 2),
            Conv2D(inChannels: filters, outChannels: 2 * filters, kernelSize: 5, padding: 2, rng: &rng),
            ReLU(),
            MaxPool2D(kernel: 2),
            Flatten(),
            Linear(inFeatures: 2 * filters * pooled * pooled, outFeatures: 64, rng: &rng),
            ReLU(),
            Linear(inFeatures: 64, outFeatures: classes, rng: &rng),
        ])
    }

    /// Logits `[N, classes]` for images `[N, C, S, S]`.
    public func callAsFunction(_ images: Tensor) -> Tensor { network(images) }

    /// The first convolution layer.
    public var conv1: Conv2D { network.layers[Self.conv1Index] as! Conv2D }
    /// The second convolution layer.
    public var conv2: Conv2D { network.layers[Self.conv2Index] as! Conv2D }
}

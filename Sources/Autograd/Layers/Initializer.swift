import Foundation

/// Weight initialisation schemes (PyTorch's `torch.nn.init`), drawing from `SeededRandom`.
///
/// The uniform schemes use one uniform draw per element, `(2u − 1) · bound` with
/// `u` from `nextFloat()`, so a seed gives bit-identical tensors on every
/// platform. The normal schemes use `nextNormal()` (Box–Muller), which is
/// reproducible everywhere in practice but rests on the platform's `log`/`cos`.
///
/// All initialisers return leaf tensors with `requiresGrad` set: they make parameters.
public enum Initializer {
    /// The gain PyTorch uses for ReLU networks, √2.
    public static let reluGain = Float(2.0.squareRoot())
    /// The gain of PyTorch's default `Linear`/`Conv2d` initialisation: Kaiming uniform
    /// with leaky-ReLU slope a = √5, gain = √(2 / (1 + a²)) = √(1/3), which makes the
    /// bound exactly 1/√fanIn.
    public static let defaultLayerGain = Float((1.0 / 3.0).squareRoot())

    /// The fans of a weight in PyTorch's layout (`[out, in, k…]`):
    /// fanIn = in · ∏k, fanOut = out · ∏k. A 1-D shape `[n]` has fanIn = fanOut = n.
    /// - Precondition: `shape` has at least one axis.
    public static func fans(of shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(!shape.isEmpty, "Initializer.fans: a scalar has no fans")
        if shape.count == 1 { return (shape[0], shape[0]) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Independent draws from U(−bound, bound).
    public static func uniform(shape: [Int], bound: Float, rng: inout SeededRandom) -> Tensor {
        var values = [Float](repeating: 0, count: shape.product)
        for i in values.indices { values[i] = (2 * rng.nextFloat() - 1) * bound }
        return Tensor(shape: shape, data: values, requiresGrad: true)
    }

    /// Independent draws from N(0, std²).
    public static func normal(shape: [Int], std: Float, rng: inout SeededRandom) -> Tensor {
        var values = [Float](repeating: 0, count: shape.product)
        for i in values.indices { values[i] = std * rng.nextNormal() }
        return Tensor(shape: shape, data: values, requiresGrad: true)
    }

    /// He/Kaiming uniform: U(−b, b) with b = gain · √(3 / fanIn), so the variance is gain² / fanIn.
    /// - Parameter gain: √2 (default) for ReLU; `defaultLayerGain` reproduces PyTorch's layer default.
    public static func kaimingUniform(shape: [Int], fanIn: Int, gain: Float = reluGain,
                                      rng: inout SeededRandom) -> Tensor {
        precondition(fanIn > 0, "kaimingUniform: fanIn must be positive, got \(fanIn)")
        let bound = Float(Double(gain) * (3.0 / Double(fanIn)).squareRoot())
        return uniform(shape: shape, bound: bound, rng: &rng)
    }

    /// He/Kaiming normal: N(0, std²) with std = gain / √fanIn.
    public static func kaimingNormal(shape: [Int], fanIn: Int, gain: Float = reluGain,
                                     rng: inout SeededRandom) -> Tensor {
        precondition(fanIn > 0, "kaimingNormal: fanIn must be positive, got \(fanIn)")
        return normal(shape: shape, std: Float(Double(gain) / Double(fanIn).squareRoot()), rng: &rng)
    }

    /// Glorot/Xavier uniform: U(−b, b) with b = gain · √(6 / (fanIn + fanOut)).
    public static func xavierUniform(shape: [Int], fanIn: Int, fanOut: Int, gain: Float = 1,
                                     rng: inout SeededRandom) -> Tensor {
        precondition(fanIn + fanOut > 0, "xavierUniform: fanIn + fanOut must be positive")
        let bound = Float(Double(gain) * (6.0 / Double(fanIn + fanOut)).squareRoot())
        return uniform(shape: shape, bound: bound, rng: &rng)
    }

    /// Glorot/Xavier normal: N(0, std²) with std = gain · √(2 / (fanIn + fanOut)).
    public static func xavierNormal(shape: [Int], fanIn: Int, fanOut: Int, gain: Float = 1,
                                    rng: inout SeededRandom) -> Tensor {
        precondition(fanIn + fanOut > 0, "xavierNormal: fanIn + fanOut must be positive")
        return normal(shape: shape, std: Float(Double(gain) * (2.0 / Double(fanIn + fanOut)).squareRoot()), rng: &rng)
    }
}

import Foundation

// Adam and AdamW, PyTorch's semantics (no AMSGrad).

/// Adam (`torch.optim.Adam`) with L2 weight decay added to the gradient. Per element,
/// at step t (from 1), with gradient g, learning rate η and decay λ:
///
///     g = g + λ·p
///     m = m + (1 − β1)·(g − m)                   v = β2·v + (1 − β2)·g²
///     p = p − (η / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
public final class Adam: Optimizer {
    public var groups: [ParameterGroup]
    /// Decay rates of the moment averages, kept in `Double` like PyTorch's Python floats
    /// (so that 1 − β1 rounds to the same `Float`).
    public let beta1: Double, beta2: Double
    public let epsilon: Float
    public var stepCount: Int { state.stepCount }
    private var state: AdamState

    public init(groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Float = 1e-8) {
        self.groups = groups
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        state = AdamState(name: "Adam")
    }

    /// One group with a shared learning rate and decay.
    public convenience init(parameters: [Tensor], learningRate: Float = 1e-3, weightDecay: Float = 0,
                            beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Float = 1e-8) {
        self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    public func step() {
        state.step(groups, beta1: beta1, beta2: beta2, epsilon: epsilon, decoupledDecay: false)
    }

    public func stateTensors() -> [String: (shape: [Int], values: [Float])] { state.export(groups) }

    public func loadState(_ entries: [String: (shape: [Int], values: [Float])]) throws {
        try state.load(entries, groups)
    }
}

/// AdamW (`torch.optim.AdamW`): Adam with decoupled weight decay. Per element, first
/// `p = p · (1 − η·λ)`, then the Adam update above without decay in the gradient.
public final class AdamW: Optimizer {
    public var groups: [ParameterGroup]
    /// Decay rates of the moment averages, kept in `Double` like PyTorch's Python floats
    /// (so that 1 − β1 rounds to the same `Float`).
    public let beta1: Double, beta2: Double
    public let epsilon: Float
    public var stepCount: Int { state.stepCount }
    private var state: AdamState

    public init(groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Float = 1e-8) {
        self.groups = groups
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        state = AdamState(name: "AdamW")
    }

    /// One group with a shared learning rate and decay (PyTorch's default decay 0.01).
    public convenience init(parameters: [Tensor], learningRate: Float = 1e-3, weightDecay: Float = 0.01,
                            beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Float = 1e-8) {
        self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    public func step() {
        state.step(groups, beta1: beta1, beta2: beta2, epsilon: epsilon, decoupledDecay: true)
    }

    public func stateTensors() -> [String: (shape: [Int], values: [Float])] { state.export(groups) }

    public func loadState(_ entries: [String: (shape: [Int], values: [Float])]) throws {
        try state.load(entries, groups)
    }
}

/// The moments and step counter shared by Adam and AdamW, and the update itself.
private struct AdamState {
    let name: String
    private(set) var stepCount = 0
    private var firstMoments = ParameterSlots(kind: "exp_avg")
    private var secondMoments = ParameterSlots(kind: "exp_avg_sq")

    init(name: String) { self.name = name }

    mutating func step(_ groups: [ParameterGroup], beta1: Double, beta2: Double, epsilon: Float, decoupledDecay: Bool) {
        firstMoments.fit(groups)
        secondMoments.fit(groups)
        stepCount += 1
        // Bias corrections in Double, as PyTorch computes them from Python floats.
        let t = Double(stepCount)
        let correction1 = 1 - Foundation.pow(beta1, t)
        let correction2Root = (1 - Foundation.pow(beta2, t)).squareRoot()
        let (oneMinusBeta1, oneMinusBeta2) = (Float(1 - beta1), Float(1 - beta2))
        let beta2 = Float(beta2)
        for (g, group) in groups.enumerated() {
            let stepSize = Float(Double(group.learningRate) / correction1)
            let rootScale = Float(correction2Root)
            let decay = group.weightDecay
            let shrink = Float(1 - Double(group.learningRate) * Double(decay))  // decoupled decay factor
            for (i, parameter) in group.parameters.enumerated() {
                guard let grad = parameter.grad else { continue }
                precondition(grad.count == parameter.count, "\(name): gradient of \(grad.count) elements for a parameter of shape \(parameter.shape)")
                let n = parameter.count
                grad.withUnsafeBufferPointer { pg in
                    parameter.data.withUnsafeMutableBufferPointer { pp in
                        firstMoments.withBuffer(g, i) { m in
                            secondMoments.withBuffer(g, i) { v in
                                let gr = pg.baseAddress!, p = pp.baseAddress!
                                for k in 0..<n {
                                    var gk = gr[k]
                                    if decoupledDecay {
                                        p[k] *= shrink
                                    } else {
                                        gk += decay * p[k]
                                    }
                                    m[k] += oneMinusBeta1 * (gk - m[k])
                                    v[k] = beta2 * v[k] + oneMinusBeta2 * gk * gk
                                    let denominator = v[k].squareRoot() / rootScale + epsilon
                                    p[k] -= stepSize * m[k] / denominator
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    mutating func export(_ groups: [ParameterGroup]) -> [String: (shape: [Int], values: [Float])] {
        firstMoments.fit(groups)
        secondMoments.fit(groups)
        var state = ["step": stepEntry(stepCount)]
        firstMoments.export(groups, into: &state)
        secondMoments.export(groups, into: &state)
        return state
    }

    mutating func load(_ entries: [String: (shape: [Int], values: [Float])], _ groups: [ParameterGroup]) throws {
        let steps = try loadStepCount(entries, optimizer: name)
        // Validate both before changing either.
        var first = firstMoments, second = secondMoments
        try first.load(entries, groups, optimizer: name)
        try second.load(entries, groups, optimizer: name)
        firstMoments = first
        secondMoments = second
        stepCount = steps
    }
}

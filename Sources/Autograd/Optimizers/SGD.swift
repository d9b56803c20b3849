// Stochastic gradient descent with momentum, PyTorch's semantics.

/// Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay,
/// following `torch.optim.SGD` (no dampening). Per parameter element, with
/// gradient g, learning rate η, decay λ and momentum μ:
///
///     d = g + λ·p
///     b = μ·b + d                      (b starts at 0, so the first b is d)
///     d = d + μ·b  (Nesterov)   or   d = b  (plain momentum; μ = 0 uses d as is)
///     p = p − η·d
public final class SGD: Optimizer {
    public var groups: [ParameterGroup]
    /// μ; 0 for plain SGD.
    public let momentum: Float
    /// Whether the update looks ahead along the momentum (Nesterov).
    public let nesterov: Bool
    public private(set) var stepCount = 0
    private var momentumBuffers = ParameterSlots(kind: "momentum_buffer")

    /// - Precondition: `momentum ≥ 0`; Nesterov needs `momentum > 0`.
    public init(groups: [ParameterGroup], momentum: Float = 0, nesterov: Bool = false) {
        precondition(momentum >= 0, "SGD: momentum must not be negative, got \(momentum)")
        precondition(!nesterov || momentum > 0, "SGD: Nesterov momentum needs momentum > 0")
        self.groups = groups
        self.momentum = momentum
        self.nesterov = nesterov
    }

    /// One group with a shared learning rate and decay.
    public convenience init(parameters: [Tensor], learningRate: Float, momentum: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) {
        self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  momentum: momentum, nesterov: nesterov)
    }

    public func step() {
        if momentum != 0 { momentumBuffers.fit(groups) }
        for (g, group) in groups.enumerated() {
            let (lr, decay, mu) = (group.learningRate, group.weightDecay, momentum)
            for (i, parameter) in group.parameters.enumerated() {
                guard let grad = parameter.grad else { continue }
                precondition(grad.count == parameter.count, "SGD: gradient of \(grad.count) elements for a parameter of shape \(parameter.shape)")
                let n = parameter.count
                grad.withUnsafeBufferPointer { pg in
                    parameter.data.withUnsafeMutableBufferPointer { pp in
                        let gr = pg.baseAddress!, p = pp.baseAddress!
                        if mu == 0 {
                            for k in 0..<n { p[k] -= lr * (gr[k] + decay * p[k]) }
                            return
                        }
                        momentumBuffers.withBuffer(g, i) { b in
                            for k in 0..<n {
                                let d = gr[k] + decay * p[k]
                                b[k] = mu * b[k] + d
                                p[k] -= lr * (nesterov ? d + mu * b[k] : b[k])
                            }
                        }
                    }
                }
            }
        }
        stepCount += 1
    }

    public func stateTensors() -> [String: (shape: [Int], values: [Float])] {
        var state = ["step": stepEntry(stepCount)]
        if momentum != 0 {
            momentumBuffers.fit(groups)
            momentumBuffers.export(groups, into: &state)
        }
        return state
    }

    public func loadState(_ state: [String: (shape: [Int], values: [Float])]) throws {
        let steps = try loadStepCount(state, optimizer: "SGD")
        if momentum != 0 { try momentumBuffers.load(state, groups, optimizer: "SGD") }
        stepCount = steps
    }
}

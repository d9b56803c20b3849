// The optimizer protocol, parameter groups and the checkpointable state they share.

/// Parameters that share a learning rate and a weight decay (PyTorch's param groups),
/// e.g. weight decay on a network's first layer alone.
public struct ParameterGroup {
    /// The tensors updated by this group, each a leaf with `requiresGrad`.
    public var parameters: [Tensor]
    public var learningRate: Float
    /// The decay coefficient; how it is applied (added to the gradient, or decoupled)
    /// depends on the optimizer.
    public var weightDecay: Float

    public init(parameters: [Tensor], learningRate: Float, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// Updates parameters in place from their gradients.
///
/// A parameter whose `grad` is `nil` (no gradient reached it since `zeroGrad()`) is
/// left untouched by `step()`, as in PyTorch. State is kept per group and position
/// in the group; replacing a group's parameters by tensors of other shapes resets
/// their state to zeros.
public protocol Optimizer: AnyObject {
    /// The parameter groups; learning rates and decays may be changed between steps.
    var groups: [ParameterGroup] { get set }
    /// Completed `step()` calls (restored by `loadState`).
    var stepCount: Int { get }
    /// Applies one update to every parameter that has a gradient.
    func step()
    /// Forgets every parameter's gradient.
    func zeroGrad()
    /// The optimizer's state for a checkpoint: `"step"` (shape `[1]`, exact up to 2²⁴
    /// steps) and one buffer per parameter and kind, named `"<kind>.<group>.<index>"`
    /// with the parameter's shape (e.g. `"exp_avg.0.3"`).
    func stateTensors() -> [String: (shape: [Int], values: [Float])]
    /// Restores what `stateTensors()` returned, so that training continues exactly
    /// as if it had not stopped.
    /// - Throws: `OptimizerError` when an entry is missing or has the wrong shape.
    func loadState(_ state: [String: (shape: [Int], values: [Float])]) throws
}

extension Optimizer {
    public func zeroGrad() {
        for group in groups {
            for parameter in group.parameters { parameter.zeroGrad() }
        }
    }
}

/// Why optimizer state could not be restored.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    /// The checkpoint has no entry `key` although this optimizer needs one.
    case missingState(optimizer: String, key: String)
    /// The entry `key` has another shape than the parameter it belongs to.
    case shapeMismatch(optimizer: String, key: String, expected: [Int], found: [Int])
    /// The step counter is not a non-negative whole number.
    case invalidStep(optimizer: String, value: Float)

    public var description: String {
        switch self {
        case let .missingState(optimizer, key):
            return "\(optimizer) state: the checkpoint has no entry \"\(key)\"; it was saved by another optimizer or model"
        case let .shapeMismatch(optimizer, key, expected, found):
            return "\(optimizer) state: entry \"\(key)\" has shape \(found) but its parameter has shape \(expected); the checkpoint belongs to another model"
        case let .invalidStep(optimizer, value):
            return "\(optimizer) state: the step counter \(value) is not a whole number of steps"
        }
    }
}

// MARK: - Shared state handling

/// One buffer per parameter, laid out like the groups, created as zeros on first use.
struct ParameterSlots {
    /// The state kind, used in checkpoint names (`"exp_avg"`).
    let kind: String
    private(set) var buffers: [[[Float]]] = []

    init(kind: String) { self.kind = kind }

    /// Makes one buffer per parameter, keeping those whose size still fits.
    mutating func fit(_ groups: [ParameterGroup]) {
        if buffers.count == groups.count,
           zip(buffers, groups).allSatisfy({ b, g in b.count == g.parameters.count && zip(b, g.parameters).allSatisfy { $0.count == $1.count } }) {
            return
        }
        buffers = groups.enumerated().map { g, group in
            group.parameters.enumerated().map { i, p in
                g < buffers.count && i < buffers[g].count && buffers[g][i].count == p.count
                    ? buffers[g][i] : [Float](repeating: 0, count: p.count)
            }
        }
    }

    /// Calls `body` with the buffer of parameter `index` of group `group`, in place.
    @inline(__always)
    mutating func withBuffer<R>(_ group: Int, _ index: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        buffers[group][index].withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    func name(_ group: Int, _ index: Int) -> String { "\(kind).\(group).\(index)" }

    func export(_ groups: [ParameterGroup], into state: inout [String: (shape: [Int], values: [Float])]) {
        for (g, group) in groups.enumerated() {
            for (i, p) in group.parameters.enumerated() { state[name(g, i)] = (p.shape, buffers[g][i]) }
        }
    }

    /// Reads every buffer from `state`, checking names and shapes before changing anything.
    mutating func load(_ state: [String: (shape: [Int], values: [Float])], _ groups: [ParameterGroup],
                       optimizer: String) throws {
        var loaded: [[[Float]]] = []
        for (g, group) in groups.enumerated() {
            var row: [[Float]] = []
            for (i, p) in group.parameters.enumerated() {
                let key = name(g, i)
                guard let entry = state[key] else { throw OptimizerError.missingState(optimizer: optimizer, key: key) }
                guard entry.shape == p.shape, entry.values.count == p.count else {
                    throw OptimizerError.shapeMismatch(optimizer: optimizer, key: key, expected: p.shape, found: entry.shape)
                }
                row.append(entry.values)
            }
            loaded.append(row)
        }
        buffers = loaded
    }
}

/// Reads the `"step"` entry of a checkpoint.
func loadStepCount(_ state: [String: (shape: [Int], values: [Float])], optimizer: String) throws -> Int {
    guard let entry = state["step"] else { throw OptimizerError.missingState(optimizer: optimizer, key: "step") }
    guard entry.values.count == 1, entry.shape == [1] else {
        throw OptimizerError.shapeMismatch(optimizer: optimizer, key: "step", expected: [1], found: entry.shape)
    }
    let value = entry.values[0]
    guard value >= 0, value == value.rounded(), value <= 0x1p24 else {
        throw OptimizerError.invalidStep(optimizer: optimizer, value: value)
    }
    return Int(value)
}

/// The `"step"` entry of a checkpoint.
func stepEntry(_ stepCount: Int) -> (shape: [Int], values: [Float]) {
    precondition(stepCount <= 1 << 24, "optimizer state: \(stepCount) steps cannot be stored exactly as a Float")
    return ([1], [Float(stepCount)])
}

/// Operations defined outside this module, with a hand-written backward.
///
/// Modules that build on the library (the Gaussian rasterizer, image losses) compute their
/// forward pass themselves and hand the engine the output together with the rule that maps
/// the output's gradient to their inputs' gradients. The engine treats such an op like any
/// built-in one: it records the graph only when gradients are on and some input needs one,
/// and it sums each returned gradient into its input.
extension Tensor {
    /// The rule of a custom op: given ∂loss/∂output (laid out like the output), one array
    /// per input, in the order of `inputs`, holding ∂loss/∂input laid out like that input;
    /// `nil` for an input that gets no gradient (it is only asked for inputs that need one,
    /// but may be returned for any).
    public typealias CustomBackward = (_ gradOutput: [Float]) -> [[Float]?]

    /// Wraps an already-computed output as the result of `op` applied to `inputs`.
    ///
    /// - Parameters:
    ///   - op: a short name, shown in error messages and graph dumps.
    ///   - shape: the output's shape; `data.count` must equal its product.
    ///   - data: the output's values, computed by the caller.
    ///   - inputs: the tensors the output was computed from.
    ///   - backward: the gradient rule; each returned array must have exactly as many
    ///     elements as its input (no broadcasting here).
    /// - Returns: a tensor connected to `inputs` when gradient recording is on.
    public static func custom(op: String, shape: [Int], data: [Float], inputs: [Tensor],
                              backward: @escaping CustomBackward) -> Tensor {
        precondition(data.count == shape.product,
                     "\(op): produced \(data.count) elements for shape \(shape) (\(shape.product) needed)")
        let shapes = inputs.map(\.shape)
        return Tensor(shape: shape, data: data, op: op, parents: inputs) { gradOutput in
            let grads = backward(gradOutput)
            precondition(grads.count == shapes.count,
                         "\(op): backward returned \(grads.count) gradients for \(shapes.count) inputs")
            return zip(grads, shapes).map { values, shape in
                guard let values else { return nil }
                precondition(values.count == shape.product,
                             "\(op): backward returned \(values.count) values for an input of shape \(shape)")
                return Gradient(values, shape: shape)
            }
        }
    }
}

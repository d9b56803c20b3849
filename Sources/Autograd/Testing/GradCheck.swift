import Foundation

/// The outcome of comparing an analytic gradient with central differences.
public struct GradCheckResult: CustomStringConvertible {
    /// Directional derivative from the analytic gradients, Σ ⟨∇ᵢ, vᵢ⟩.
    public let analytic: Double
    /// The same from central differences in `Double`: (f(x+εv) − f(x−εv)) / 2ε.
    public let numeric: Double
    /// |analytic − numeric| / max(|analytic|, |numeric|, 1e-3 scale floor).
    public let relativeError: Double
    /// The element whose own partial derivative disagreed most (input index, flat
    /// element index, analytic, numeric), from the per-element check.
    public let worst: (input: Int, element: Int, analytic: Double, numeric: Double)?
    /// Whether the check passed at the requested tolerance.
    public let passed: Bool

    public var description: String {
        var s = String(format: "gradcheck %@: analytic %.6g vs numeric %.6g (relative error %.2e)",
                       passed ? "passed" : "FAILED", analytic, numeric, relativeError)
        if let w = worst {
            s += String(format: "; worst element: input %d [%d] analytic %.6g vs numeric %.6g",
                        w.input, w.element, w.analytic, w.numeric)
        }
        return s
    }
}

/// Checks the reverse-mode gradient of `f` at `inputs` against central differences.
///
/// `f` must map the inputs to a tensor; the check differentiates the scalar
/// L = Σ w ⊙ f(inputs) for a fixed random weighting `w`, so every output element
/// matters. Differences are taken along a random direction v (one perturbation of
/// all inputs at once) with the function evaluated in `Float` but the differences
/// accumulated in `Double` — and, when that fails or `elementwise` is set, element by
/// element so that the worst element can be named.
///
/// - Parameters:
///   - inputs: the leaves to differentiate with respect to (their `requiresGrad`
///     is set for the check and their data restored afterwards).
///   - epsilon: the finite-difference step (relative to 1; inputs should be O(1)).
///   - tolerance: the largest accepted relative error.
///   - seed: seeds the random weighting and direction.
public func gradcheck(_ inputs: [Tensor], epsilon: Float = 1e-2, tolerance: Double = 1e-2,
                      seed: UInt64 = 42, elementwise: Bool = false,
                      _ f: ([Tensor]) -> Tensor) -> GradCheckResult {
    var rng = SeededRandom(seed: seed)
    for x in inputs { _ = x.requiresGrad(true); x.zeroGrad() }

    let probe = withNoGrad { f(inputs) }
    let weights = (0..<probe.count).map { _ in Double(rng.nextNormal()) }
    let weightTensor = Tensor(shape: probe.shape, data: weights.map(Float.init))

    func loss() -> Double {
        let y = withNoGrad { f(inputs) }
        var acc = 0.0
        for i in 0..<y.count { acc += Double(y.data[i]) * weights[i] }
        return acc
    }

    // Analytic gradients.
    let out = f(inputs)
    precondition(out.requiresGrad, "gradcheck: the function's output does not depend on any input")
    out.backward(seed: weightTensor.data)
    let analyticGrads = inputs.map { $0.grad ?? [Float](repeating: 0, count: $0.count) }

    // Directional check along a random unit-scale direction.
    let directions = inputs.map { x in (0..<x.count).map { _ in rng.nextNormal() } }
    func perturb(_ sign: Float) {
        for (x, v) in zip(inputs, directions) {
            for i in 0..<x.count { x.data[i] += sign * epsilon * v[i] }
        }
    }
    let originals = inputs.map(\.data)
    perturb(1)
    let lPlus = loss()
    for (x, d) in zip(inputs, originals) { x.data = d }
    perturb(-1)
    let lMinus = loss()
    for (x, d) in zip(inputs, originals) { x.data = d }
    let numeric = (lPlus - lMinus) / (2 * Double(epsilon))
    var analytic = 0.0
    for (g, v) in zip(analyticGrads, directions) {
        for i in 0..<g.count { analytic += Double(g[i]) * Double(v[i]) }
    }
    let scale = max(abs(analytic), abs(numeric), 1e-3)
    let relativeError = abs(analytic - numeric) / scale
    var passed = relativeError <= tolerance

    // Element by element, to name the culprit.
    var worst: (input: Int, element: Int, analytic: Double, numeric: Double)? = nil
    if !passed || elementwise {
        var worstError = -1.0
        var allPassed = true
        for (k, x) in inputs.enumerated() {
            for i in 0..<x.count {
                let saved = x.data[i]
                x.data[i] = saved + epsilon
                let p = loss()
                x.data[i] = saved - epsilon
                let m = loss()
                x.data[i] = saved
                let num = (p - m) / (2 * Double(epsilon))
                let ana = Double(analyticGrads[k][i])
                let err = abs(ana - num) / max(abs(ana), abs(num), 1e-2)
                if err > tolerance { allPassed = false }
                if err > worstError {
                    worstError = err
                    worst = (k, i, ana, num)
                }
            }
        }
        if elementwise { passed = passed && allPassed }
    }
    for x in inputs { x.zeroGrad() }
    return GradCheckResult(analytic: analytic, numeric: numeric, relativeError: relativeError,
                           worst: worst, passed: passed)
}

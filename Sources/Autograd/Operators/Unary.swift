import Foundation

// Pointwise maps of one tensor (and the elementwise power of two), each with its
// derivative written beside it.
//
// A map is chosen once per contiguous chunk by a `switch` outside the loops, so
// the inner loops are plain arithmetic on buffers. Where the derivative is
// cheaper from the output than from the input (exp, sqrt, sigmoid, tanh), the
// backward reads the output.

/// Elements per parallel chunk of a pointwise loop.
private let pointwiseGrain = 1 << 15

// MARK: - Kernels

/// The pointwise maps of one tensor.
enum UnaryKind {
    case neg, exp, log, sqrt, sigmoid, tanh, abs
    /// `x^p` for a constant `p`.
    case pow(Float)
    /// `min(max(x, lower), upper)`.
    case clamp(Float, Float)

    /// The op name recorded on the output.
    var name: String {
        switch self {
        case .neg: "neg"
        case .exp: "exp"
        case .log: "log"
        case .sqrt: "sqrt"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .abs: "abs"
        case .pow: "pow"
        case .clamp: "clamp"
        }
    }
}

/// `y[i] = f(x[i])` for `i < n`.
@inline(__always)
private func unaryForward(_ kind: UnaryKind, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    switch kind {
    case .neg: for i in 0..<n { y[i] = -x[i] }
    case .exp: for i in 0..<n { y[i] = Foundation.exp(x[i]) }
    case .log: for i in 0..<n { y[i] = Foundation.log(x[i]) }
    case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
    // 1/(1+e^−x) is stable in Float on both sides: e^−x → ∞ gives 0, never NaN.
    case .sigmoid: for i in 0..<n { y[i] = 1 / (1 + Foundation.exp(-x[i])) }
    case .tanh: for i in 0..<n { y[i] = Foundation.tanh(x[i]) }
    case .abs: for i in 0..<n { y[i] = Swift.abs(x[i]) }
    case .pow(let p):
        // Common exponents without `powf` (several times faster; they differ from it
        // only in the sign of √−0 and at −∞).
        switch p {
        case 2: for i in 0..<n { y[i] = x[i] * x[i] }
        case 3: for i in 0..<n { y[i] = x[i] * x[i] * x[i] }
        case 1: for i in 0..<n { y[i] = x[i] }
        case 0.5: for i in 0..<n { y[i] = x[i].squareRoot() }
        case -0.5: for i in 0..<n { y[i] = 1 / x[i].squareRoot() }
        case -1: for i in 0..<n { y[i] = 1 / x[i] }
        case -2: for i in 0..<n { y[i] = 1 / (x[i] * x[i]) }
        default: for i in 0..<n { y[i] = Foundation.pow(x[i], p) }
        }
    case .clamp(let lower, let upper):
        for i in 0..<n { y[i] = Swift.min(Swift.max(x[i], lower), upper) }
    }
}

/// `dx[i] = g[i] · f′(x[i])`, with `y = f(x)` at hand.
@inline(__always)
private func unaryBackward(_ kind: UnaryKind, _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                           _ y: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
    switch kind {
    case .neg: for i in 0..<n { dx[i] = -g[i] }                              // −1
    case .exp: for i in 0..<n { dx[i] = g[i] * y[i] }                        // eˣ = y
    case .log: for i in 0..<n { dx[i] = g[i] / x[i] }                        // 1/x
    case .sqrt: for i in 0..<n { dx[i] = g[i] / (2 * y[i]) }                 // 1/(2√x)
    case .sigmoid: for i in 0..<n { dx[i] = g[i] * y[i] * (1 - y[i]) }       // σ(1−σ)
    case .tanh: for i in 0..<n { dx[i] = g[i] * (1 - y[i] * y[i]) }          // 1 − tanh²
    case .abs:                                                               // sign(x), 0 at 0
        for i in 0..<n { dx[i] = x[i] > 0 ? g[i] : (x[i] < 0 ? -g[i] : 0) }
    case .pow(let p):                                                        // p·x^(p−1)
        switch p {
        case 2: for i in 0..<n { dx[i] = 2 * x[i] * g[i] }
        case 3: for i in 0..<n { dx[i] = 3 * x[i] * x[i] * g[i] }
        case 1: for i in 0..<n { dx[i] = g[i] }
        case 0: for i in 0..<n { dx[i] = 0 }                                  // not 0·x⁻¹ (NaN at 0)
        case 0.5: for i in 0..<n { dx[i] = g[i] / (2 * y[i]) }                // y = √x
        case -0.5: for i in 0..<n { dx[i] = -0.5 * g[i] * y[i] * y[i] * y[i] } // x^−1.5 = y³
        case -1: for i in 0..<n { dx[i] = -g[i] * y[i] * y[i] }               // x⁻² = y²
        case -2: for i in 0..<n { dx[i] = -2 * g[i] * y[i] / x[i] }           // x⁻³ = y/x
        default: for i in 0..<n { dx[i] = g[i] * p * Foundation.pow(x[i], p - 1) }
        }
    case .clamp(let lower, let upper):                                       // 1 inside [lower, upper]
        for i in 0..<n { dx[i] = x[i] >= lower && x[i] <= upper ? g[i] : 0 }
    }
}

/// Runs `body` over matching chunks of `count` elements on both cores.
@inline(__always)
private func forEachPointwiseChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
    Parallelism.forEachChunk(count, minChunk: pointwiseGrain, body)
}

// MARK: - Operators

extension Tensor {
    private func unary(_ kind: UnaryKind) -> Tensor {
        let x = self
        let n = count
        var out = [Float](repeating: 0, count: n)
        if n > 0 {
            x.data.withUnsafeBufferPointer { px in
                out.withUnsafeMutableBufferPointer { py in
                    let src = px.baseAddress!, dst = py.baseAddress!
                    forEachPointwiseChunk(n) { r in
                        unaryForward(kind, src + r.lowerBound, dst + r.lowerBound, r.count)
                    }
                }
            }
        }
        let y = out
        return Tensor(shape: shape, data: y, op: kind.name, parents: [x]) { g in
            var dx = [Float](repeating: 0, count: n)
            guard n > 0 else { return [Gradient(dx, shape: x.shape)] }
            g.withUnsafeBufferPointer { pg in
                x.data.withUnsafeBufferPointer { px in
                    y.withUnsafeBufferPointer { py in
                        dx.withUnsafeMutableBufferPointer { pd in
                            let gp = pg.baseAddress!, xp = px.baseAddress!, yp = py.baseAddress!, dp = pd.baseAddress!
                            forEachPointwiseChunk(n) { r in
                                let o = r.lowerBound
                                unaryBackward(kind, gp + o, xp + o, yp + o, dp + o, r.count)
                            }
                        }
                    }
                }
            }
            return [Gradient(dx, shape: x.shape)]
        }
    }

    /// −x, elementwise.
    public func neg() -> Tensor { unary(.neg) }

    /// −x, elementwise.
    public static prefix func - (x: Tensor) -> Tensor { x.neg() }

    /// eˣ, elementwise. Gradient: eˣ (read from the output).
    public func exp() -> Tensor { unary(.exp) }

    /// The natural logarithm, elementwise: NaN for x < 0, −∞ at 0. Gradient: 1/x.
    public func log() -> Tensor { unary(.log) }

    /// √x, elementwise: NaN for x < 0. Gradient: 1/(2√x), +∞ at 0.
    public func sqrt() -> Tensor { unary(.sqrt) }

    /// The logistic function σ(x) = 1/(1 + e⁻ˣ), elementwise; saturates to exactly 0
    /// or 1 for large |x| without overflow. Gradient: σ(1 − σ).
    public func sigmoid() -> Tensor { unary(.sigmoid) }

    /// The hyperbolic tangent, elementwise. Gradient: 1 − tanh².
    public func tanh() -> Tensor { unary(.tanh) }

    /// |x|, elementwise. Gradient: sign(x), taken as 0 at exactly 0.
    public func abs() -> Tensor { unary(.abs) }

    /// xᵖ for a constant exponent, elementwise (`powf`: NaN for x < 0 unless `p` is an
    /// integer). Gradient: p·xᵖ⁻¹, exactly 0 for p = 0.
    public func pow(_ p: Float) -> Tensor { unary(.pow(p)) }

    /// Checks that `clamped(min:max:)` has an ordered range.
    static func clampRange(_ lower: Float, _ upper: Float, shape: [Int]) throws {
        guard lower <= upper else {
            throw ShapeError(op: "clamp", "min \(lower) is above max \(upper) (tensor of shape \(shape))")
        }
    }

    /// Each element limited to `[lower, upper]`: `min(max(x, lower), upper)`.
    ///
    /// Gradient (PyTorch's rule): passes where `lower ≤ x ≤ upper` (bounds included),
    /// 0 outside.
    /// - Precondition: `lower ≤ upper`.
    public func clamped(min lower: Float, max upper: Float) -> Tensor {
        checked { try Tensor.clampRange(lower, upper, shape: shape) }
        return unary(.clamp(lower, upper))
    }
}

// MARK: - Elementwise power of two tensors

extension Tensor {
    /// `self ^ exponent`, elementwise under NumPy broadcasting (`powf` in each element).
    ///
    /// Gradients: d/da aᵇ = b·aᵇ⁻¹ (exactly 0 where b = 0); d/db aᵇ = aᵇ·ln a, taken
    /// as 0 where a = 0 (its limit for b > 0) and NaN for a < 0 (not real there).
    /// - Parameter exponent: any shape that broadcasts with `self`'s.
    public func pow(_ exponent: Tensor) -> Tensor {
        let a = self, b = exponent
        let shape = checked { try Shape.broadcast(a.shape, b.shape, op: "pow") }
        let n = shape.product
        let base = expandBroadcast(a.data, from: a.shape, to: shape)
        let power = expandBroadcast(b.data, from: b.shape, to: shape)
        var out = [Float](repeating: 0, count: n)
        if n > 0 {
            base.withUnsafeBufferPointer { pa in
                power.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { py in
                        let x = pa.baseAddress!, p = pb.baseAddress!, y = py.baseAddress!
                        forEachPointwiseChunk(n) { r in
                            for i in r { y[i] = Foundation.pow(x[i], p[i]) }
                        }
                    }
                }
            }
        }
        let result = out
        return Tensor(shape: shape, data: result, op: "pow", parents: [a, b]) { g in
            // Gradients at the broadcast shape; the engine sums them back.
            var da = [Float](repeating: 0, count: n), db = [Float](repeating: 0, count: n)
            guard n > 0 else { return [Gradient(da, shape: shape), Gradient(db, shape: shape)] }
            g.withUnsafeBufferPointer { pg in
                base.withUnsafeBufferPointer { pa in
                    power.withUnsafeBufferPointer { pb in
                        result.withUnsafeBufferPointer { py in
                            da.withUnsafeMutableBufferPointer { pda in
                                db.withUnsafeMutableBufferPointer { pdb in
                                    let gp = pg.baseAddress!, x = pa.baseAddress!, p = pb.baseAddress!
                                    let y = py.baseAddress!, dA = pda.baseAddress!, dB = pdb.baseAddress!
                                    let wantA = a.requiresGrad, wantB = b.requiresGrad
                                    forEachPointwiseChunk(n) { r in
                                        if wantA {
                                            for i in r {
                                                dA[i] = p[i] == 0 ? 0 : gp[i] * p[i] * Foundation.pow(x[i], p[i] - 1)
                                            }
                                        }
                                        if wantB {
                                            for i in r {
                                                dB[i] = x[i] == 0 ? 0 : gp[i] * y[i] * Foundation.log(x[i])
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return [a.requiresGrad ? Gradient(da, shape: shape) : nil,
                    b.requiresGrad ? Gradient(db, shape: shape) : nil]
        }
    }
}

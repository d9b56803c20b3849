/// How each Gaussian's footprint is parameterised.
///
/// Positions are in pixel units; pixel (row r, column c) has its centre at (c + 0.5, r + 0.5).
/// A Gaussian's weight at pixel p is exp(−½‖Lᵀ(p − μ)‖²), where L is the lower-triangular
/// Cholesky factor of the *precision* (inverse covariance) matrix, Σ⁻¹ = L Lᵀ:
/// - `isotropic`: one raw parameter k = 1/σ per Gaussian, L = [[k, 0], [0, k]].
/// - `anisotropic`: three raw parameters (l11, l21, l22), L = [[l11, 0], [l21, l22]],
///   unconstrained: L Lᵀ is positive semi-definite for any values.
public enum GaussianShape: String, CaseIterable, Sendable {
    case isotropic
    case anisotropic

    /// Raw shape parameters per Gaussian: 1 for `isotropic`, 3 for `anisotropic`.
    public var parameterCount: Int {
        switch self {
        case .isotropic: return 1
        case .anisotropic: return 3
        }
    }
}

extension GaussianShape {
    /// The parameterisation with `parameterCount` raw shape parameters per Gaussian
    /// (1 → `isotropic`, 3 → `anisotropic`), `nil` for any other count.
    public init?(parameterCount: Int) {
        switch parameterCount {
        case 1: self = .isotropic
        case 3: self = .anisotropic
        default: return nil
        }
    }
}

/// The vector the rasterizer's kernels work in: one segment of a tile row.
///
/// A whole 16-pixel tile row. Measured on the default x86-64 (SSE2) build: 8-lane segments,
/// which let a Gaussian skip the half rows its ellipse misses, were 5–10% slower overall
/// (more per-segment scalar work) at N = 256…4096 on 256², so the kernels keep 16.
typealias Lanes = SIMD16<Float>
/// Integers of the same width, for the exponent bits.
typealias LaneBits = SIMD16<Int32>

/// 2ˣ lane by lane, for the arguments the rasterizer needs (x ≤ 0; the Gaussian weight is
/// exp(−½q) = 2^(−½·log₂e·q)).
///
/// x = n + r with n = round(x) and |r| ≤ ½ (exact in floating point), 2ʳ from a degree-5
/// minimax polynomial 1 + r·P(r) (fitted to relative error 9.1e-8 on [−½, ½]; 2⁰ = 1 exactly),
/// 2ⁿ written straight into the exponent bits. Relative error below 3e-7 in `Float` for x in
/// [−126, 0] (also right up to x = 127). For the weight, the rounding of x = −½log₂e·q adds
/// up to |x|·ln2·2⁻²⁴: in all below 7e-7 inside the default cutoff (q ≤ 12.25), 1.2e-6 at 6σ; x below −126 and NaN give 2⁻¹²⁶ ≈ 1.2e-38, which callers mask away. No integer
/// conversion that could trap on NaN or infinity. Working in base 2 saves the two-part ln 2
/// reduction of a natural exp: about a third of its arithmetic.
@_transparent
func vectorExp2(_ x: Lanes) -> Lanes {
    var x = x
    x.replace(with: -126, where: .!(x .>= -126))
    // n = round(x) via the 1.5·2²³ trick: the sum's low mantissa bits hold n.
    let magic: Float = 12_582_912          // 1.5 · 2²³
    let t = x + magic
    let r = x - (t - magic)
    var p = Lanes(repeating: 1.326_472_7e-3)
    p = p * r + 9.671_512_7e-3
    p = p * r + 5.550_733_7e-2
    p = p * r + 2.402_224_2e-1
    p = p * r + 6.931_469_8e-1
    p = p * r + 1
    // 2ⁿ: the integer n sits in t's low bits as 0x4B40_0000 + n.
    let bits = unsafeBitCast(t, to: LaneBits.self)
    let scale = unsafeBitCast((bits &- 0x4B40_0000 &+ 127) &<< 23, to: Lanes.self)
    return p * scale
}

/// −½·log₂e: the Gaussian weight is exp(−½q) = 2^(q · negHalfLog2e).
let negHalfLog2e: Float = -0.721_347_52

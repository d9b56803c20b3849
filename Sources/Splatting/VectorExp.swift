/// eˣ for 16 lanes at once, for the arguments the rasterizer needs (x ≤ 0).
///
/// Cephes' `expf` scheme: x = n·ln2 + r with n = round(x / ln2) and |r| ≤ ½ln2, eʳ from a
/// degree-7 polynomial, 2ⁿ written straight into the exponent bits. Relative error about
/// 1e-7 (a couple of Float ulps) for x in [−87, 0]; x below −87 (and NaN) gives e⁻⁸⁷ ≈ 1.6e-38,
/// which callers mask away. No integer conversion that could trap on NaN or infinity.
@inline(__always)
func vectorExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    var x = x
    x.replace(with: -87, where: .!(x .>= -87))
    x.replace(with: 0, where: x .> 0)
    // n = round(x·log2 e) via the 1.5·2²³ trick: the sum's low mantissa bits hold n.
    let magic: Float = 12_582_912          // 1.5 · 2²³
    let t = x * 1.442_695_04 + magic
    let n = t - magic
    let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: SIMD16<Float> = SIMD16(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    p = p * (r * r) + r + 1
    // 2ⁿ: the integer n sits in t's low bits as 0x4B40_0000 + n.
    let bits = unsafeBitCast(t, to: SIMD16<Int32>.self)
    let scale = unsafeBitCast((bits &- 0x4B40_0000 &+ 127) &<< 23, to: SIMD16<Float>.self)
    return p * scale
}

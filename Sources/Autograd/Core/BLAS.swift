#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Row-major single-precision GEMM: `C = alpha · op(A) · op(B) + beta · C`, where
/// `op(A)` is `m × k` and `op(B)` is `k × n`, on `cblas_sgemm` (OpenBLAS on Linux,
/// Accelerate on Apple platforms).
///
/// - Parameters:
///   - transA: read `A` (stored `k × m`, leading dimension `lda`) transposed.
///   - transB: read `B` (stored `n × k`) transposed.
///   - lda, ldb, ldc: leading dimensions (row lengths as stored); default to dense.
@inline(__always)
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                  alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int? = nil,
                  _ b: UnsafePointer<Float>, ldb: Int? = nil,
                  beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
    guard m > 0, n > 0 else { return }
    let lda = lda ?? (transA ? m : k)
    let ldb = ldb ?? (transB ? k : n)
    let ldc = ldc ?? n
    if k == 0 {
        // BLAS leaves C untouched for k = 0 only when beta = 1; make the maths explicit.
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
        return
    }
    cblas_sgemm(CblasRowMajor,
                transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

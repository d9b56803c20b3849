#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Row-major single-precision GEMM: `C = alpha · op(A) · op(B) + beta · C`, where
/// `op(A)` is `m × k` and `op(B)` is `k × n`, on `cblas_sgemm` (OpenBLAS on Linux,
/// Accelerate on Apple platforms).
///
/// Products smaller than `BLASSetup.threadedMinimum` (m·n·k) run on the calling thread
/// alone; larger ones use `Parallelism.threads` BLAS threads. (OpenBLAS's helper threads
/// spin for tens of milliseconds after every threaded call, stealing a core from the
/// library's own workers: measured on a CNN-A step, 19 ms with fc-sized products
/// threaded, 14.6 ms without.) Call it from several threads at once only with
/// products below that size.
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
    BLASSetup.prepare(work: m * n * k)
    cblas_sgemm(CblasRowMajor,
                transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Process-wide BLAS settings, applied product by product.
public enum BLASSetup {
    /// The smallest product, in m·n·k, that BLAS may spread over several threads (2²⁶,
    /// about 134 MFLOP: far above any product of a small CNN's training step).
    public static let threadedMinimum = 1 << 26

    /// Sets BLAS's thread count for a product of `work` = m·n·k multiply-adds.
    @inline(__always)
    static func prepare(work: Int) {
        #if !canImport(Accelerate)
        let wanted = Int32(work >= threadedMinimum ? Parallelism.threads : 1)
        if openblas_get_num_threads() != wanted { openblas_set_num_threads(wanted) }
        #endif
    }
}

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Row-major single-precision GEMM: `C = alpha · op(A) · op(B) + beta · C`, where
/// `op(A)` is `m × k` and `op(B)` is `k × n`, on `cblas_sgemm` (OpenBLAS on Linux,
/// Accelerate on Apple platforms).
///
/// Threads: products of at least `BLASSetup.threadedMinimum` (m·n·k) use
/// `Parallelism.threads` BLAS threads; from `BLASSetup.splitMinimum` up, the rows (or
/// columns) of C are split among `Parallelism.forEachChunk` workers, each running
/// BLAS on its own thread; smaller ones, and every product called from inside a
/// worker, run on the calling thread alone. (OpenBLAS's helper threads spin for tens
/// of milliseconds after every threaded call, stealing a core from the library's own
/// workers: measured on a CNN-A step, 19 ms with fc-sized products threaded by
/// OpenBLAS, 14.6 ms without.)
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
    let work = m * n * k
    if work >= BLASSetup.splitMinimum, work < BLASSetup.threadedMinimum,
       Parallelism.threads > 1, !Parallelism.isInsideWorker, max(m, n) >= 2 * Parallelism.threads {
        // Mid-sized: one block of C's rows (or columns) per worker, each on one BLAS thread.
        let splitRows = m >= n
        Parallelism.forEachChunk(splitRows ? m : n) { r in
            if splitRows {
                sgemm(transA: transA, transB: transB, m: r.count, n: n, k: k, alpha: alpha,
                      a + (transA ? r.lowerBound : r.lowerBound * lda), lda: lda, b, ldb: ldb,
                      beta: beta, c + r.lowerBound * ldc, ldc: ldc)
            } else {
                sgemm(transA: transA, transB: transB, m: m, n: r.count, k: k, alpha: alpha,
                      a, lda: lda, b + (transB ? r.lowerBound * ldb : r.lowerBound), ldb: ldb,
                      beta: beta, c + r.lowerBound, ldc: ldc)
            }
        }
        return
    }
    BLASSetup.prepare(work: work)
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
    /// The smallest product, in m·n·k, split among the library's workers (2²², about
    /// 8 MFLOP, some 80 µs on one core: CNN-A's fully connected layer, not its
    /// per-image convolution products, which already run one per worker).
    public static let splitMinimum = 1 << 22

    /// Sets BLAS's thread count for a product of `work` = m·n·k multiply-adds.
    @inline(__always)
    static func prepare(work: Int) {
        #if !canImport(Accelerate)
        let wanted = Int32(work >= threadedMinimum && !Parallelism.isInsideWorker ? Parallelism.threads : 1)
        if openblas_get_num_threads() != wanted { openblas_set_num_threads(wanted) }
        #endif
    }
}

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Row-major single-precision GEMM: `C = alpha · op(A) · op(B) + beta · C`, where
/// `op(A)` is `m × k` and `op(B)` is `k × n`, on `cblas_sgemm` (OpenBLAS on Linux,
/// Accelerate on Apple platforms).
///
/// Threads: BLAS itself always runs single-threaded. A product of at least
/// `BLASSetup.splitMinimum` (m·n·k), called from outside a `Parallelism` worker, is
/// split into one block of C's rows (or columns, whichever dimension is larger) per
/// worker; everything else runs on the calling thread. (OpenBLAS's own helper threads
/// spin for tens of milliseconds after every threaded call, stealing a core from the
/// library's workers: measured on a CNN-A step, 19 ms with its fc products threaded
/// by OpenBLAS, 14.6 ms without; a conv1 forward right after a threaded 1024³
/// product took 4–11 ms instead of 2.1.)
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
    BLASSetup.singleThreaded()
    if m * n * k >= BLASSetup.splitMinimum, Parallelism.threads > 1, !Parallelism.isInsideWorker,
       max(m, n) >= 2 * Parallelism.threads {
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
    cblas_sgemm(CblasRowMajor,
                transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// How `sgemm` shares products among threads.
public enum BLASSetup {
    /// The smallest product, in m·n·k, split among the library's workers (2²², about
    /// 8 MFLOP, some 80 µs on one core: CNN-A's fully connected layer, not its
    /// per-image convolution products, which already run one per worker).
    public static let splitMinimum = 1 << 22

    /// Keeps OpenBLAS on the calling thread (set once, before the first product).
    @inline(__always)
    static func singleThreaded() { _ = blasThreadsSet }

    private static let blasThreadsSet: Void = {
        #if !canImport(Accelerate)
        openblas_set_num_threads(1)
        #endif
    }()
}

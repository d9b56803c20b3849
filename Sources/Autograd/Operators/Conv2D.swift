#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

// 2-D convolution as im2col + sgemm, one image at a time.
//
// Per image n (x_n [C, H, W], cols_n = im2col(x_n) [C·KH·KW, OH·OW]):
//   forward   y_n  = W · cols_n + b              [OC, OH·OW]   (already NCHW)
//   backward  dW  += dy_n · cols_nᵀ              [OC, C·KH·KW]
//             db  += Σ_pixels dy_n               [OC]
//             dx_n = col2im(Wᵀ · dy_n)            [C, H, W]
//
// Why per image: the column matrix of one CNN-sized image (a few hundred KB)
// stays in the core's L2 between im2col and the product, and the product lands
// directly in NCHW order. A single product over the whole batch would stream tens
// of MB of columns through memory and need a transpose afterwards; measured on
// the CNN-A shapes it is slower. The batch is split across `Parallelism.threads`
// workers, each running single-threaded BLAS on its own images (faster here than
// one OpenBLAS-threaded product per image). Backward recomputes the columns
// instead of keeping them (cheaper than a round trip through memory), and skips
// the input gradient entirely when the input needs none (a network's first layer).

extension Tensor {
    /// Cross-correlates `self` with `weight` (PyTorch's `conv2d`) with zero padding.
    ///
    /// `y[n, o, oh, ow] = b[o] + Σ_{c,i,j} w[o, c, i, j] · x[n, c, oh·s − p + i, ow·s − p + j]`,
    /// with `x` read as 0 outside the image.
    ///
    /// - Parameters:
    ///   - weight: `[OC, C, KH, KW]` (PyTorch's layout); kernels may be non-square.
    ///   - bias: `[OC]`, or `nil` for none.
    ///   - stride: step between output pixels along both axes (≥ 1).
    ///   - padding: zeros added on every side of both spatial axes (≥ 0).
    /// - Returns: `[N, OC, OH, OW]` with `OH = (H + 2p − KH) / s + 1` (floor), likewise `OW`,
    ///   for `self` of shape `[N, C, H, W]`.
    /// - Precondition: the shapes agree and the padded input is at least the kernel's size.
    ///
    /// Gradients go to each of `self`, `weight` and `bias` only if it requires one.
    public func conv2d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
        let x = self
        let geometry = checked {
            try ConvGeometry(input: x.shape, weight: weight.shape, bias: bias?.shape, stride: stride, padding: padding)
        }
        let outShape = [geometry.batch, geometry.outChannels, geometry.outHeight, geometry.outWidth]
        let out = convolutionForward(geometry, x.data, weight.data, bias?.data)
        let parents = bias.map { [x, weight, $0] } ?? [x, weight]
        return Tensor(shape: outShape, data: out, op: "conv2d", parents: parents) { g in
            let grads = convolutionBackward(geometry, g, x.data, weight.data,
                                            needInput: x.requiresGrad,
                                            needWeight: weight.requiresGrad,
                                            needBias: bias?.requiresGrad ?? false)
            var result: [Gradient?] = [
                grads.input.map { Gradient($0, shape: x.shape) },
                grads.weight.map { Gradient($0, shape: weight.shape) },
            ]
            if let bias { result.append(grads.bias.map { Gradient($0, shape: bias.shape) }) }
            return result
        }
    }
}

// MARK: - Forward

/// `y = conv(x, w) + b` for a whole batch. Shapes as in `ConvGeometry`.
private func convolutionForward(_ g: ConvGeometry, _ input: [Float], _ weight: [Float], _ bias: [Float]?) -> [Float] {
    let outCount = g.batch * g.outChannels * g.outPlane
    guard outCount > 0 else { return [] }
    return [Float](unsafeUninitializedCapacity: outCount) { out, initialized in
        input.withUnsafeBufferPointer { px in
            weight.withUnsafeBufferPointer { pw in
                let x = px.baseAddress!, w = pw.baseAddress!, y = out.baseAddress!
                forEachImageChunk(g) { _, images in
                    let cols = g.isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: g.patchSize * g.outPlane)
                    defer { cols?.deallocate() }
                    for n in images {
                        let xn = x + n * g.channels * g.inPlane
                        let yn = y + n * g.outChannels * g.outPlane
                        if let bias {
                            // Start each output plane at its bias; the product adds onto it.
                            for o in 0..<g.outChannels { (yn + o * g.outPlane).update(repeating: bias[o], count: g.outPlane) }
                        }
                        let columns: UnsafePointer<Float>
                        if let cols {
                            im2col(xn, g, cols)
                            columns = UnsafePointer(cols)
                        } else {
                            columns = xn
                        }
                        sgemm(m: g.outChannels, n: g.outPlane, k: g.patchSize,
                              w, columns, beta: bias == nil ? 0 : 1, yn)
                    }
                }
            }
        }
        initialized = outCount
    }
}

// MARK: - Backward

/// The gradients of a convolution given `dy` [N, OC, OH, OW]; each only when asked for.
private func convolutionBackward(_ g: ConvGeometry, _ dy: [Float], _ input: [Float], _ weight: [Float],
                                 needInput: Bool, needWeight: Bool, needBias: Bool)
    -> (input: [Float]?, weight: [Float]?, bias: [Float]?) {
    let weightCount = g.outChannels * g.patchSize
    guard g.batch > 0 else {
        return (needInput ? [] : nil,
                needWeight ? [Float](repeating: 0, count: weightCount) : nil,
                needBias ? [Float](repeating: 0, count: g.outChannels) : nil)
    }
    let chunks = imageChunkCount(g)
    // Per-worker partial sums of dW and db, added up in a fixed order afterwards.
    var partialWeight = [Float](repeating: 0, count: needWeight ? chunks * weightCount : 0)
    var partialBias = [Float](repeating: 0, count: needBias ? chunks * g.outChannels : 0)
    var dx = [Float](repeating: 0, count: needInput ? input.count : 0)

    dy.withUnsafeBufferPointer { pdy in
        input.withUnsafeBufferPointer { px in
            weight.withUnsafeBufferPointer { pw in
                partialWeight.withUnsafeMutableBufferPointer { pdw in
                    partialBias.withUnsafeMutableBufferPointer { pdb in
                        dx.withUnsafeMutableBufferPointer { pdx in
                            let gy = pdy.baseAddress!, x = px.baseAddress!, w = pw.baseAddress!
                            forEachImageChunk(g) { chunk, images in
                                let cols = g.isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: g.patchSize * g.outPlane)
                                defer { cols?.deallocate() }
                                for n in images {
                                    let gyn = gy + n * g.outChannels * g.outPlane
                                    let xn = x + n * g.channels * g.inPlane
                                    if needBias {
                                        let db = pdb.baseAddress! + chunk * g.outChannels
                                        for o in 0..<g.outChannels {
                                            let plane = gyn + o * g.outPlane
                                            var acc: Float = 0
                                            for t in 0..<g.outPlane { acc += plane[t] }
                                            db[o] += acc
                                        }
                                    }
                                    if needWeight {
                                        let columns: UnsafePointer<Float>
                                        if let cols {
                                            im2col(xn, g, cols)
                                            columns = UnsafePointer(cols)
                                        } else {
                                            columns = xn
                                        }
                                        // dW += dy_n [OC, P] · cols_nᵀ [P, C·KH·KW]
                                        sgemm(transB: true, m: g.outChannels, n: g.patchSize, k: g.outPlane,
                                              gyn, columns, beta: 1, pdw.baseAddress! + chunk * weightCount)
                                    }
                                    if needInput {
                                        let dxn = pdx.baseAddress! + n * g.channels * g.inPlane
                                        if let cols {
                                            // dcols = Wᵀ [C·KH·KW, OC] · dy_n [OC, P], then back onto the pixels.
                                            sgemm(transA: true, m: g.patchSize, n: g.outPlane, k: g.outChannels,
                                                  w, gyn, cols)
                                            col2im(cols, g, dxn)
                                        } else {
                                            sgemm(transA: true, m: g.patchSize, n: g.outPlane, k: g.outChannels,
                                                  w, gyn, dxn)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return (needInput ? dx : nil,
            needWeight ? sumPartials(partialWeight, chunks: chunks) : nil,
            needBias ? sumPartials(partialBias, chunks: chunks) : nil)
}

/// Adds `chunks` equal consecutive slices of `partials`, in order.
private func sumPartials(_ partials: [Float], chunks: Int) -> [Float] {
    let size = partials.count / chunks
    var total = Array(partials[0..<size])
    for c in 1..<chunks {
        total.withUnsafeMutableBufferPointer { t in
            partials.withUnsafeBufferPointer { p in
                let slice = p.baseAddress! + c * size
                for i in 0..<size { t[i] += slice[i] }
            }
        }
    }
    return total
}

// MARK: - Splitting the batch

/// How many workers a convolution of this geometry uses: one per thread, at most
/// one per image, and one alone when the whole job is too small to share.
private func imageChunkCount(_ g: ConvGeometry) -> Int {
    let flopsPerImage = 2 * g.outChannels * g.patchSize * g.outPlane
    guard flopsPerImage * g.batch >= 1 << 20 else { return 1 }
    return Swift.max(1, Swift.min(Parallelism.threads, g.batch))
}

/// Runs `body(chunk, images)` for `imageChunkCount(g)` consecutive slices of the
/// batch, concurrently. While several workers run, BLAS is single-threaded so the
/// workers do not compete with BLAS's own threads for the cores.
private func forEachImageChunk(_ g: ConvGeometry, _ body: (Int, Range<Int>) -> Void) {
    let chunks = imageChunkCount(g)
    if chunks == 1 {
        body(0, 0..<g.batch)
        return
    }
    #if !canImport(Accelerate)
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(Int32(Parallelism.threads)) }
    #endif
    Parallelism.forEachChunk(chunks) { range in
        for chunk in range {
            body(chunk, (g.batch * chunk / chunks)..<(g.batch * (chunk + 1) / chunks))
        }
    }
}

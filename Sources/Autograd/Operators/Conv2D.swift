// 2-D convolution as sgemm, one image at a time. Stride-1 kernels run on shifted
// planes (see ShiftedPlanes.swift: KH products, no column matrix); the others,
// described here, on im2col.
//
// Per image n (x_n [C, H, W], cols_n = im2col(x_n) [C·KH·KW, OH·OW]):
//   forward   y_n  = W · cols_n + b              [OC, OH·OW]   (already NCHW)
//   backward  dWᵀ += cols_n · dy_nᵀ              [C·KH·KW, OC]
//             db  += Σ_pixels dy_n               [OC]
//             dx_n = col2im(Wᵀ · dy_n)            [C, H, W]
//
// Why per image: the column matrix of one CNN-sized image (a few hundred KB)
// stays in the core's L2 between im2col and the product, and the product lands
// directly in NCHW order. The batch is split across `Parallelism.threads`
// workers, each running single-threaded BLAS on its own images. Measured on
// CNN-A's conv1 at batch 64 (2 cores), forward: 2.2 ms this way, 3.9 ms with
// the images in turn and OpenBLAS threading each product, 6.3 ms as one
// batch-wide product over [C·KH·KW, N·OH·OW] columns plus the transpose back to
// NCHW. Backward recomputes the columns (or planes) from the image instead of
// keeping tens of MB of them from the forward pass, and skips the input gradient
// entirely when the input needs none (a network's first layer).

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
    if ShiftedPlanes.apply(to: g) { return shiftedForward(g, input, weight, bias) }
    // Wᵀ [C·KH·KW, OC], read back transposed by BLAS: the same product as W · cols,
    // but OpenBLAS's AVX-512 kernels run it 1.2–1.5× faster for a 3-channel first layer
    // (its AVX2 kernels, equally fast either way).
    let weightT = transposed(weight, rows: g.outChannels, columns: g.patchSize)
    return [Float](unsafeUninitializedCapacity: outCount) { out, initialized in
        input.withUnsafeBufferPointer { px in
            weightT.withUnsafeBufferPointer { pw in
                let x = px.baseAddress!, w = pw.baseAddress!, y = out.baseAddress!  // w: Wᵀ
                forEachImageChunk(g) { _, images in
                    let workspace = g.isPointwise ? nil : ConvWorkspace(g)
                    defer { workspace?.deallocate() }
                    for n in images {
                        let xn = x + n * g.channels * g.inPlane
                        let yn = y + n * g.outChannels * g.outPlane
                        if let bias {
                            // Start each output plane at its bias; the product adds onto it.
                            for o in 0..<g.outChannels { (yn + o * g.outPlane).update(repeating: bias[o], count: g.outPlane) }
                        }
                        let columns: UnsafePointer<Float>
                        if let workspace {
                            im2col(xn, g, workspace)
                            columns = UnsafePointer(workspace.cols)
                        } else {
                            columns = xn
                        }
                        sgemm(transA: true, m: g.outChannels, n: g.outPlane, k: g.patchSize,
                              w, columns, beta: bias == nil ? 0 : 1, yn)
                    }
                }
            }
        }
        initialized = outCount
    }
}

/// `y = conv(x, w) + b` for a stride-1 convolution: per image, one product per kernel row
/// over the shifted planes (see ShiftedPlanes.swift).
private func shiftedForward(_ g: ConvGeometry, _ input: [Float], _ weight: [Float], _ bias: [Float]?) -> [Float] {
    let outCount = g.batch * g.outChannels * g.outPlane
    let rows = weightsByKernelRow(weight, g)  // [KH, C·KW, OC]: W_iᵀ
    let block = g.channels * g.kernelWidth * g.outChannels
    return [Float](unsafeUninitializedCapacity: outCount) { out, initialized in
        input.withUnsafeBufferPointer { px in
            rows.withUnsafeBufferPointer { pw in
                let x = px.baseAddress!, w = pw.baseAddress!, y = out.baseAddress!
                forEachImageChunk(g) { _, images in
                    let planes = ShiftedPlanes(g, gradient: false, columns: false)
                    defer { planes.deallocate() }
                    for n in images {
                        let yn = y + n * g.outChannels * g.outPlane
                        if let bias {
                            for o in 0..<g.outChannels { (yn + o * g.outPlane).update(repeating: bias[o], count: g.outPlane) }
                        }
                        planes.fill(from: x + n * g.channels * g.inPlane, g)
                        for i in 0..<g.kernelHeight {
                            // y_n (+)= W_i · S_i
                            sgemm(transA: true, m: g.outChannels, n: g.outPlane, k: planes.count,
                                  w + i * block, planes.rows(i, g), ldb: planes.planeSize,
                                  beta: bias == nil && i == 0 ? 0 : 1, yn)
                        }
                    }
                }
            }
        }
        initialized = outCount
    }
}

// MARK: - Backward

/// Where one backward pass reads and writes; a gradient's pointer is `nil` when it is not wanted.
private struct ConvBackwardBuffers {
    let dy: UnsafePointer<Float>              // [N, OC, OH, OW]
    let input: UnsafePointer<Float>           // [N, C, H, W]
    let weight: UnsafePointer<Float>          // [OC, C·KH·KW]; shifted planes: [KH, C·KW, OC]
    let weightT: UnsafeMutablePointer<Float>? // [chunks, C·KH·KW, OC] partial dWᵀ (split shifted planes: [chunks, KH, C·KW, OC])
    let bias: UnsafeMutablePointer<Float>?    // [chunks, OC] partial db
    let dx: UnsafeMutablePointer<Float>?      // [N, C, H, W], overwritten image by image
}

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
    // Per-worker partial sums of dWᵀ and db, added up in a fixed order afterwards.
    var partialWeightT = [Float](repeating: 0, count: needWeight ? chunks * weightCount : 0)
    var partialBias = [Float](repeating: 0, count: needBias ? chunks * g.outChannels : 0)
    let inputCount = needInput ? input.count : 0
    var dx = [Float](unsafeUninitializedCapacity: inputCount) { _, initialized in initialized = inputCount }
    let shifted = ShiftedPlanes.apply(to: g)
    let weightOperand = shifted ? weightsByKernelRow(weight, g) : weight

    dy.withUnsafeBufferPointer { pdy in
        input.withUnsafeBufferPointer { px in
            weightOperand.withUnsafeBufferPointer { pw in
                partialWeightT.withUnsafeMutableBufferPointer { pdw in
                    partialBias.withUnsafeMutableBufferPointer { pdb in
                        dx.withUnsafeMutableBufferPointer { pdx in
                            let buffers = ConvBackwardBuffers(
                                dy: pdy.baseAddress!, input: px.baseAddress!, weight: pw.baseAddress!,
                                weightT: needWeight ? pdw.baseAddress! : nil,
                                bias: needBias ? pdb.baseAddress! : nil,
                                dx: needInput ? pdx.baseAddress! : nil)
                            forEachImageChunk(g) { chunk, images in
                                if shifted {
                                    shiftedBackward(g, buffers, chunk: chunk, images: images)
                                } else {
                                    convolutionBackward(g, buffers, chunk: chunk, images: images)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    var dWeight: [Float]? = nil
    if needWeight {
        let sum = sumPartials(partialWeightT, chunks: chunks)
        dWeight = shifted && !ShiftedPlanes.rebuildsColumns(g)
            ? weightsFromKernelRows(sum, g)
            : transposed(sum, rows: g.patchSize, columns: g.outChannels)
    }
    return (needInput ? dx : nil, dWeight, needBias ? sumPartials(partialBias, chunks: chunks) : nil)
}

/// One worker's share of the backward pass: the images in `images`, adding into
/// the partial sums of slot `chunk`.
private func convolutionBackward(_ g: ConvGeometry, _ b: ConvBackwardBuffers, chunk: Int, images: Range<Int>) {
    let workspace = g.isPointwise ? nil : ConvWorkspace(g)
    defer { workspace?.deallocate() }
    for n in images {
        let dyn = b.dy + n * g.outChannels * g.outPlane
        if let bias = b.bias {
            let db = bias + chunk * g.outChannels
            for o in 0..<g.outChannels { db[o] += sumOfElements(dyn + o * g.outPlane, g.outPlane) }
        }
        if let weightT = b.weightT {
            let xn = b.input + n * g.channels * g.inPlane
            let columns: UnsafePointer<Float>
            if let workspace {
                im2col(xn, g, workspace)
                columns = UnsafePointer(workspace.cols)
            } else {
                columns = xn
            }
            // dWᵀ += cols_n [C·KH·KW, P] · dy_nᵀ [P, OC]: the tall form of dW += dy_n · cols_nᵀ,
            // which runs faster in OpenBLAS for these shapes.
            sgemm(transB: true, m: g.patchSize, n: g.outChannels, k: g.outPlane,
                  columns, dyn, beta: 1, weightT + chunk * g.outChannels * g.patchSize)
        }
        if let dx = b.dx {
            let dxn = dx + n * g.channels * g.inPlane
            if workspace != nil { dxn.update(repeating: 0, count: g.channels * g.inPlane) }  // col2im adds onto it
            // dcols = Wᵀ [C·KH·KW, OC] · dy_n [OC, P], then added back onto the pixels.
            if let workspace {
                sgemm(transA: true, m: g.patchSize, n: g.outPlane, k: g.outChannels, b.weight, dyn, workspace.cols)
                col2im(g, workspace, dxn)
            } else {
                sgemm(transA: true, m: g.patchSize, n: g.outPlane, k: g.outChannels, b.weight, dyn, dxn)
            }
        }
    }
}

/// One worker's share of a stride-1 backward pass on shifted planes: the images in
/// `images`, adding into the partial sums of slot `chunk`.
private func shiftedBackward(_ g: ConvGeometry, _ b: ConvBackwardBuffers, chunk: Int, images: Range<Int>) {
    let rebuild = ShiftedPlanes.rebuildsColumns(g)
    let planes = ShiftedPlanes(g, gradient: b.dx != nil, columns: b.weightT != nil && rebuild)
    defer { planes.deallocate() }
    let (oc, block) = (g.outChannels, planes.count * g.outChannels)
    for n in images {
        let dyn = b.dy + n * oc * g.outPlane
        if let bias = b.bias {
            let db = bias + chunk * oc
            for o in 0..<oc { db[o] += sumOfElements(dyn + o * g.outPlane, g.outPlane) }
        }
        if let weightT = b.weightT {
            let dW = weightT + chunk * oc * g.patchSize
            planes.fill(from: b.input + n * g.channels * g.inPlane, g)
            if rebuild {
                // dWᵀ += cols_n [C·KH·KW, P] · dy_nᵀ [P, OC], cols rebuilt from the planes.
                planes.buildColumns(g)
                sgemm(transB: true, m: g.patchSize, n: oc, k: g.outPlane, planes.columns!, dyn, beta: 1, dW)
            } else {
                for i in 0..<g.kernelHeight {
                    // dWᵀ_i += S_i [C·KW, P] · dy_nᵀ [P, OC]
                    sgemm(transB: true, m: planes.count, n: oc, k: g.outPlane,
                          planes.rows(i, g), lda: planes.planeSize, dyn, beta: 1, dW + i * block)
                }
            }
        }
        if let dx = b.dx, let dS = planes.gradientPlanes {
            planes.clearGradientTails(g)
            for i in 0..<g.kernelHeight {
                // dS_i (+)= W_iᵀ [C·KW, OC] · dy_n [OC, P]; the S_i overlap, so the rows add up.
                sgemm(m: planes.count, n: g.outPlane, k: oc, b.weight + i * block, dyn,
                      beta: i == 0 ? 0 : 1, dS + i * g.outWidth, ldc: planes.planeSize)
            }
            planes.unshift(into: dx + n * g.channels * g.inPlane, g)
        }
    }
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

/// Σ p[0..<n], with independent SIMD partial sums (a single running sum would
/// wait on every add's latency).
@inline(__always)
private func sumOfElements(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    let raw = UnsafeRawPointer(p)
    var a = SIMD8<Float>(), b = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        a += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        b += raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
        i += 16
    }
    var total = (a + b).sum()
    while i < n {
        total += p[i]
        i += 1
    }
    return total
}

/// The transpose of a row-major `rows × columns` matrix.
private func transposed(_ m: [Float], rows: Int, columns: Int) -> [Float] {
    var t = [Float](repeating: 0, count: m.count)
    for r in 0..<rows {
        for c in 0..<columns { t[c * rows + r] = m[r * columns + c] }
    }
    return t
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
/// batch, concurrently. Inside a worker every `sgemm` runs on that worker's thread
/// alone (see `sgemm`), so the workers never compete with BLAS threads for the cores.
private func forEachImageChunk(_ g: ConvGeometry, _ body: (Int, Range<Int>) -> Void) {
    let chunks = imageChunkCount(g)
    if chunks == 1 {
        body(0, 0..<g.batch)
        return
    }
    Parallelism.forEachChunk(chunks) { range in
        for chunk in range {
            body(chunk, (g.batch * chunk / chunks)..<(g.batch * (chunk + 1) / chunks))
        }
    }
}

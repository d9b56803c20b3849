// 2-D convolution as sgemm, one image at a time (the products of one image:
// ConvImageKernel.swift). Stride-1 kernels run on shifted planes (ShiftedPlanes.swift:
// KH products, no column matrix); the others, described here, on im2col.
//
// Per image n (x_n [C, H, W], cols_n = im2col(x_n) [C·KH·KW, OH·OW]):
//   forward   y_n  = W · cols_n + b              [OC, OH·OW]   (already NCHW)
//   backward  dWᵀ += cols_n · dy_nᵀ              [C·KH·KW, OC]
//             db  += Σ_pixels dy_n               [OC]
//             dx_n = col2im(Wᵀ · dy_n)            [C, H, W]
//
// Why per image: the column matrix of one CNN-sized image (a few hundred KB)
// stays in the core's L2 between im2col and the product, and the product lands
// directly in NCHW order. The batch is cut into blocks of images that the
// workers take in turn, each running single-threaded BLAS. Measured on
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
func convolutionForward(_ g: ConvGeometry, _ input: [Float], _ weight: [Float], _ bias: [Float]?) -> [Float] {
    let outCount = g.batch * g.outChannels * g.outPlane
    guard outCount > 0 else { return [] }
    let operand = ConvImageKernel.forwardWeights(g, weight)
    return [Float](unsafeUninitializedCapacity: outCount) { out, initialized in
        input.withUnsafeBufferPointer { px in
            operand.withUnsafeBufferPointer { pw in
                let x = px.baseAddress!, w = pw.baseAddress!, y = out.baseAddress!
                forEachImageChunk(g) { _, images in
                    let kernel = ConvImageKernel(g, inputGradient: false, weightGradient: false)
                    defer { kernel.deallocate() }
                    for n in images {
                        kernel.forward(x + n * g.channels * g.inPlane, w, bias, y + n * g.outChannels * g.outPlane)
                    }
                }
            }
        }
        initialized = outCount
    }
}

// MARK: - Backward

/// Per-worker partial sums of a backward pass, added up in a fixed order afterwards,
/// and the input gradient, written image by image.
struct ConvGradientSlots {
    let g: ConvGeometry
    let chunks: Int
    var weight: [Float]  // [chunks, C·KH·KW·OC] in `ConvImageKernel.weightGradientLayout`
    var bias: [Float]    // [chunks, OC]
    var input: [Float]   // [N, C, H, W]
    let needInput: Bool, needWeight: Bool, needBias: Bool

    init(_ g: ConvGeometry, needInput: Bool, needWeight: Bool, needBias: Bool) {
        self.g = g
        chunks = imageChunkCount(g)
        self.needInput = needInput
        self.needWeight = needWeight
        self.needBias = needBias
        weight = [Float](repeating: 0, count: needWeight ? chunks * g.outChannels * g.patchSize : 0)
        bias = [Float](repeating: 0, count: needBias ? chunks * g.outChannels : 0)
        let inputCount = needInput ? g.batch * g.channels * g.inPlane : 0
        input = [Float](unsafeUninitializedCapacity: inputCount) { _, initialized in initialized = inputCount }
    }

    /// Runs `body(kernel, images, dW slot, db slot, dx)` on each worker's share of the batch,
    /// with the pointers of its slots (`nil` where a gradient is not wanted).
    mutating func run(_ body: (ConvImageKernel, Range<Int>, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?,
                               UnsafeMutablePointer<Float>?) -> Void) {
        let (g, needInput, needWeight, needBias) = (self.g, self.needInput, self.needWeight, self.needBias)
        let weightSlot = g.outChannels * g.patchSize
        weight.withUnsafeMutableBufferPointer { pdw in
            bias.withUnsafeMutableBufferPointer { pdb in
                input.withUnsafeMutableBufferPointer { pdx in
                    let dW = pdw.baseAddress, db = pdb.baseAddress, dx = pdx.baseAddress
                    let images = imagesPerChunk(g)
                    forEachImageChunk(g) { chunk, range in
                        let kernel = ConvImageKernel(g, inputGradient: needInput, weightGradient: needWeight,
                                                     images: images)
                        defer { kernel.deallocate() }
                        body(kernel, range,
                             needWeight ? dW! + chunk * weightSlot : nil,
                             needBias ? db! + chunk * g.outChannels : nil,
                             needInput ? dx! : nil)
                    }
                }
            }
        }
    }

    /// The summed gradients, the weight's as `[OC, C, KH, KW]`; each `nil` unless asked for.
    func results() -> (input: [Float]?, weight: [Float]?, bias: [Float]?) {
        let dWeight = needWeight
            ? ConvImageKernel.weightGradientToStandard(sumPartials(weight, chunks: chunks), g)
            : nil
        return (needInput ? input : nil, dWeight, needBias ? sumPartials(bias, chunks: chunks) : nil)
    }
}

/// The gradients of a convolution given `dy` [N, OC, OH, OW]; each only when asked for.
func convolutionBackward(_ g: ConvGeometry, _ dy: [Float], _ input: [Float], _ weight: [Float],
                         needInput: Bool, needWeight: Bool, needBias: Bool)
    -> (input: [Float]?, weight: [Float]?, bias: [Float]?) {
    guard g.batch > 0 else {
        return (needInput ? [] : nil,
                needWeight ? [Float](repeating: 0, count: g.outChannels * g.patchSize) : nil,
                needBias ? [Float](repeating: 0, count: g.outChannels) : nil)
    }
    let operand = ConvImageKernel.backwardWeights(g, weight)
    var slots = ConvGradientSlots(g, needInput: needInput, needWeight: needWeight, needBias: needBias)
    dy.withUnsafeBufferPointer { pdy in
        input.withUnsafeBufferPointer { px in
            operand.withUnsafeBufferPointer { pw in
                let gy = pdy.baseAddress!, x = px.baseAddress!, w = pw.baseAddress!
                slots.run { kernel, images, dW, db, dx in
                    let first = images.lowerBound
                    kernel.backward(x + first * g.channels * g.inPlane, gy + first * g.outChannels * g.outPlane,
                                    count: images.count, w, dW: dW, db: db,
                                    dx: dx.map { $0 + first * g.channels * g.inPlane })
                }
            }
        }
    }
    return slots.results()
}

/// Adds `chunks` equal consecutive slices of `partials`, in order.
func sumPartials(_ partials: [Float], chunks: Int) -> [Float] {
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
func sumOfElements(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
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
func transposed(_ m: [Float], rows: Int, columns: Int) -> [Float] {
    var t = [Float](repeating: 0, count: m.count)
    for r in 0..<rows {
        for c in 0..<columns { t[c * rows + r] = m[r * columns + c] }
    }
    return t
}

// MARK: - Splitting the batch

/// How many blocks of consecutive images a convolution of this geometry is cut into:
/// `ConvTuning.blocks` (at most one per image), or one when the whole job is too small
/// to share. The count does not depend on the number of threads, so neither do the
/// results: each block adds its images' gradients into its own partial sums, which
/// are added up in block order.
func imageChunkCount(_ g: ConvGeometry) -> Int {
    let flopsPerImage = 2 * g.outChannels * g.patchSize * g.outPlane
    guard flopsPerImage * g.batch >= 1 << 20 else { return 1 }
    return Swift.max(1, Swift.min(ConvTuning.blocks, g.batch))
}

/// The most images in one of `forEachImageChunk`'s blocks.
func imagesPerChunk(_ g: ConvGeometry) -> Int {
    let chunks = imageChunkCount(g)
    return (g.batch + chunks - 1) / chunks
}

/// How convolutions share a batch among the workers, and which kernels they run.
enum ConvTuning {
    /// Whether stride-1 convolutions run on the AVX-512 kernels (`DirectConv`); on by
    /// default where the CPU has them. Tests switch it off to check the BLAS paths.
    nonisolated(unsafe) static var directKernels = DirectConv.cpuSupported


    /// Blocks per batch. The workers take blocks as they finish the last one, so a core
    /// slowed down by other processes holds up at most one block (with one half of the
    /// batch per worker it held up the whole step). Measured on CNN-A with another
    /// process busy on the machine: 3.54–3.59 s per 10,000-image epoch instead of
    /// 3.78–3.94 s with two halves, and no more CPU time.
    static let blocks = 8
}

/// Runs `body(chunk, images)` for the `imageChunkCount(g)` blocks of the batch, shared
/// dynamically among the workers. Inside a worker every `sgemm` runs on that worker's
/// thread alone (see `sgemm`), so the workers never compete with BLAS threads for the cores.
func forEachImageChunk(_ g: ConvGeometry, _ body: (Int, Range<Int>) -> Void) {
    let chunks = imageChunkCount(g)
    Parallelism.forEachTask(chunks) { chunk in
        body(chunk, (g.batch * chunk / chunks)..<(g.batch * (chunk + 1) / chunks))
    }
}

// One image's convolution products, forward and backward, on one worker.
//
// Stride-1 kernels run on the AVX-512 kernels where the CPU has them
// (DirectConv.swift), else on shifted planes (ShiftedPlanes.swift); other strides on
// a column matrix (Im2Col.swift); 1×1 kernels with stride 1 and no padding on the
// image itself. The batch-level functions (Conv2D.swift, ConvPool.swift) share
// the batch among workers and give each its own kernel.

/// The scratch memory and products of one worker's convolutions, one image at a time.
struct ConvImageKernel {
    let g: ConvGeometry
    /// Set for the kernels `DirectConv.apply(to:)` accepts.
    let direct: DirectConv?
    /// Set for the other stride-1 kernels.
    let planes: ShiftedPlanes?
    /// Set for the other kernels except pointwise ones.
    let workspace: ConvWorkspace?

    /// A kernel for `g`; the gradient flags size the scratch for a backward pass, and
    /// `images` is the most images `backward(_:_:count:_:dW:db:dx:)` is given at once.
    init(_ g: ConvGeometry, inputGradient: Bool, weightGradient: Bool, images: Int = 1) {
        self.g = g
        if DirectConv.apply(to: g) {
            direct = DirectConv(g, images: weightGradient ? images : 1, gradient: inputGradient)
            planes = nil
            workspace = nil
        } else if ShiftedPlanes.apply(to: g) {
            direct = nil
            planes = ShiftedPlanes(g, gradient: inputGradient,
                                   columns: weightGradient && ShiftedPlanes.rebuildsColumns(g))
            workspace = nil
        } else {
            direct = nil
            planes = nil
            workspace = g.isPointwise ? nil : ConvWorkspace(g)
        }
    }

    func deallocate() {
        direct?.deallocate()
        planes?.deallocate()
        workspace?.deallocate()
    }

    // MARK: - Weight layouts

    /// The weights as `forward` reads them: W_iᵀ blocks `[KH, C·KW, OC]` on shifted
    /// planes, else Wᵀ `[C·KH·KW, OC]` read back transposed by BLAS: the same product as
    /// W · cols, but OpenBLAS's AVX-512 kernels run it 1.2–1.5× faster for a 3-channel
    /// first layer (its AVX2 kernels, equally fast either way).
    static func forwardWeights(_ g: ConvGeometry, _ weight: [Float]) -> [Float] {
        if DirectConv.apply(to: g) { return DirectConv.forwardWeights(weight, g) }
        return ShiftedPlanes.apply(to: g)
            ? weightsByKernelRow(weight, g)
            : transposed(weight, rows: g.outChannels, columns: g.patchSize)
    }

    /// The weights as `backward` reads them: `DirectConv.flippedWeights` for the direct
    /// kernels, W_iᵀ blocks on shifted planes, else W `[OC, C·KH·KW]`.
    static func backwardWeights(_ g: ConvGeometry, _ weight: [Float]) -> [Float] {
        if DirectConv.apply(to: g) { return DirectConv.flippedWeights(weight, g) }
        return ShiftedPlanes.apply(to: g) ? weightsByKernelRow(weight, g) : weight
    }

    /// Whether `backward` adds the weight gradient as dW_iᵀ blocks `[KH, C·KW, OC]`
    /// (shifted planes split by kernel row) rather than as dWᵀ `[C·KH·KW, OC]`.
    static func splitsWeightGradient(_ g: ConvGeometry) -> Bool {
        ShiftedPlanes.apply(to: g) && !ShiftedPlanes.rebuildsColumns(g)
    }

    /// A summed weight gradient in `backward`'s layout as `[OC, C, KH, KW]` (the direct
    /// kernels add it in that layout already).
    static func weightGradientToStandard(_ sum: [Float], _ g: ConvGeometry) -> [Float] {
        if DirectConv.apply(to: g) { return sum }
        return splitsWeightGradient(g)
            ? weightsFromKernelRows(sum, g)
            : transposed(sum, rows: g.patchSize, columns: g.outChannels)
    }

    // MARK: - Products

    /// `y_n = conv(x_n, w) + b` for one image.
    ///
    /// - Parameters:
    ///   - x: the image, `[C, H, W]`.
    ///   - w: `forwardWeights`.
    ///   - bias: `[OC]`, or `nil`.
    ///   - y: `[OC, OH, OW]`, overwritten.
    func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: [Float]?, _ y: UnsafeMutablePointer<Float>) {
        if let direct {
            if let bias {
                bias.withUnsafeBufferPointer { direct.forward(x, w, $0.baseAddress!, y) }
            } else {
                direct.forward(x, w, nil, y)
            }
            return
        }
        let (oc, outPlane) = (g.outChannels, g.outPlane)
        if let bias {
            // Start each output plane at its bias; the products add onto it.
            for o in 0..<oc { (y + o * outPlane).update(repeating: bias[o], count: outPlane) }
        }
        if let planes {
            planes.fill(from: x, g)
            let block = planes.count * oc
            for i in 0..<g.kernelHeight {
                // y_n (+)= W_i · S_i
                sgemm(transA: true, m: oc, n: outPlane, k: planes.count, w + i * block,
                      planes.rows(i, g), ldb: planes.planeSize, beta: bias == nil && i == 0 ? 0 : 1, y)
            }
            return
        }
        var columns = x
        if let workspace {
            im2col(x, g, workspace)
            columns = UnsafePointer(workspace.cols)
        }
        sgemm(transA: true, m: oc, n: outPlane, k: g.patchSize, w, columns, beta: bias == nil ? 0 : 1, y)
    }

    /// Adds the gradients of `count` consecutive images (at most the `images` the kernel
    /// was made for): `x` [count, C, H, W], `dy` [count, OC, OH, OW], `dx` [count, C, H, W];
    /// otherwise as the one-image `backward`. The direct kernels take the weight gradient
    /// of the whole block in one call; the other paths go image by image.
    func backward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, count: Int, _ w: UnsafePointer<Float>,
                  dW: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?) {
        let (imageIn, imageOut) = (g.channels * g.inPlane, g.outChannels * g.outPlane)
        guard let direct else {
            for n in 0..<count {
                backward(x + n * imageIn, dy + n * imageOut, w, dW: dW, db: db, dx: dx.map { $0 + n * imageIn })
            }
            return
        }
        if let db {
            for n in 0..<count {
                for o in 0..<g.outChannels { db[o] += sumOfElements(dy + n * imageOut + o * g.outPlane, g.outPlane) }
            }
        }
        if let dW { direct.addWeightGradient(x, dy, count: count, dW) }
        if let dx {
            for n in 0..<count { direct.inputGradient(dy + n * imageOut, w, dx + n * imageIn) }
        }
    }

    /// Adds one image's share of the gradients.
    ///
    /// - Parameters:
    ///   - x: the image, `[C, H, W]`.
    ///   - dy: its output gradient, `[OC, OH, OW]`.
    ///   - w: `backwardWeights`.
    ///   - dW: the worker's weight-gradient sum (see `splitsWeightGradient`), or `nil`.
    ///   - db: the worker's bias-gradient sum `[OC]`, or `nil`.
    ///   - dx: the image's input gradient `[C, H, W]`, overwritten; or `nil`.
    func backward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                  dW: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?) {
        if direct != nil {
            backward(x, dy, count: 1, w, dW: dW, db: db, dx: dx)
            return
        }
        let (oc, outPlane, patch) = (g.outChannels, g.outPlane, g.patchSize)
        if let db {
            for o in 0..<oc { db[o] += sumOfElements(dy + o * outPlane, outPlane) }
        }
        if let planes {
            let block = planes.count * oc
            if let dW {
                planes.fill(from: x, g)
                if let columns = planes.columns {
                    // dWᵀ += cols_n [C·KH·KW, P] · dy_nᵀ [P, OC], the columns rebuilt from the planes.
                    planes.buildColumns(g)
                    sgemm(transB: true, m: patch, n: oc, k: outPlane, columns, dy, beta: 1, dW)
                } else {
                    for i in 0..<g.kernelHeight {
                        // dWᵀ_i += S_i [C·KW, P] · dy_nᵀ [P, OC]
                        sgemm(transB: true, m: planes.count, n: oc, k: outPlane,
                              planes.rows(i, g), lda: planes.planeSize, dy, beta: 1, dW + i * block)
                    }
                }
            }
            if let dx, let dS = planes.gradientPlanes {
                planes.clearGradientTails(g)
                for i in 0..<g.kernelHeight {
                    // dS_i (+)= W_iᵀ [C·KW, OC] · dy_n [OC, P]; the S_i overlap, so the rows add up.
                    sgemm(m: planes.count, n: outPlane, k: oc, w + i * block, dy,
                          beta: i == 0 ? 0 : 1, dS + i * g.outWidth, ldc: planes.planeSize)
                }
                planes.unshift(into: dx, g)
            }
            return
        }
        if let dW {
            var columns = x
            if let workspace {
                im2col(x, g, workspace)
                columns = UnsafePointer(workspace.cols)
            }
            // dWᵀ += cols_n [C·KH·KW, P] · dy_nᵀ [P, OC]: the tall form of dW += dy_n · cols_nᵀ,
            // which runs faster in OpenBLAS for these shapes.
            sgemm(transB: true, m: patch, n: oc, k: outPlane, columns, dy, beta: 1, dW)
        }
        if let dx {
            // dcols = Wᵀ [C·KH·KW, OC] · dy_n [OC, P], then added back onto the pixels.
            if let workspace {
                dx.update(repeating: 0, count: g.channels * g.inPlane)  // col2im adds onto it
                sgemm(transA: true, m: patch, n: outPlane, k: oc, w, dy, workspace.cols)
                col2im(g, workspace, dx)
            } else {
                sgemm(transA: true, m: patch, n: outPlane, k: oc, w, dy, dx)
            }
        }
    }
}

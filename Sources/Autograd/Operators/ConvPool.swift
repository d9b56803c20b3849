// A convolution followed by ReLU and max pooling, as one op.
//
// The pair conv2d → reluMaxPool2d writes the whole convolution output [N, OC, OH, OW]
// to memory, reads it back to pool it, and in the backward pass writes and reads its
// gradient the same way: for CNN-A's conv1, 4 MB each way per step, out of every
// cache. Fused, each image's convolution output is pooled while it is still in the
// core's L2 (a per-worker buffer of one image), and the backward pass rebuilds each
// image's output gradient from the pooling's argmax right before that image's
// products. Values and gradients are bit for bit those of the pair: the same
// per-image products, pooling kernels and partial sums, in the same order.

extension Tensor {
    /// `conv2d(weight:bias:stride:padding:).reluMaxPool2d(kernel:stride:)` in one op.
    ///
    /// `y[n, o] = maxpool(max(0, conv(x, w)[n, o] + b[o]))`, see `conv2d` and `reluMaxPool2d`
    /// for the definitions, the rule for ties and NaNs, and which gradients are computed.
    ///
    /// - Parameters:
    ///   - weight: `[OC, C, KH, KW]`.
    ///   - bias: `[OC]`, or `nil`.
    ///   - stride, padding: the convolution's.
    ///   - poolKernel, poolStride: the pooling's window side and step (default: the side).
    /// - Returns: `[N, OC, PH, PW]`: the pooled size of the convolution's `[N, OC, OH, OW]`
    ///   output, for `self` of shape `[N, C, H, W]`.
    public func conv2dReluMaxPool2d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
                                    poolKernel: Int, poolStride: Int? = nil) -> Tensor {
        let x = self
        let cg = checked {
            try ConvGeometry(input: x.shape, weight: weight.shape, bias: bias?.shape, stride: stride, padding: padding)
        }
        let pg = checked {
            try PoolGeometry(shape: [cg.batch, cg.outChannels, cg.outHeight, cg.outWidth], kernel: poolKernel,
                             stride: poolStride, op: "conv2dReluMaxPool2d")
        }
        let (out, argmax) = convPoolForward(cg, pg, x.data, weight.data, bias?.data)
        let parents = bias.map { [x, weight, $0] } ?? [x, weight]
        return Tensor(shape: [cg.batch, cg.outChannels, pg.outHeight, pg.outWidth], data: out,
                      op: "conv2dReluMaxPool2d", parents: parents) { dp in
            let grads = convPoolBackward(cg, pg, dp, argmax, out, x.data, weight.data,
                                         needInput: x.requiresGrad, needWeight: weight.requiresGrad,
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

/// The pooled outputs `[N, OC, PH, PW]` and the in-plane index of each window's first
/// maximum, image by image: convolution into a per-worker buffer, then ReLU + pooling.
private func convPoolForward(_ cg: ConvGeometry, _ pg: PoolGeometry, _ input: [Float], _ weight: [Float],
                             _ bias: [Float]?) -> (values: [Float], argmax: [Int32]) {
    let perImage = cg.outChannels * pg.outPlane
    let outCount = cg.batch * perImage
    var argmax = [Int32](unsafeUninitializedCapacity: outCount) { _, initialized in initialized = outCount }
    var out = [Float](unsafeUninitializedCapacity: outCount) { _, initialized in initialized = outCount }
    guard outCount > 0 else { return (out, argmax) }
    let operand = ConvImageKernel.forwardWeights(cg, weight)
    input.withUnsafeBufferPointer { px in
        operand.withUnsafeBufferPointer { pw in
            out.withUnsafeMutableBufferPointer { py in
                argmax.withUnsafeMutableBufferPointer { pa in
                    let x = px.baseAddress!, w = pw.baseAddress!, y = py.baseAddress!, a = pa.baseAddress!
                    forEachImageChunk(cg) { _, images in
                        let kernel = ConvImageKernel(cg, inputGradient: false, weightGradient: false)
                        let conv = UnsafeMutablePointer<Float>.allocate(capacity: cg.outChannels * cg.outPlane)
                        defer {
                            kernel.deallocate()
                            conv.deallocate()
                        }
                        for n in images {
                            kernel.forward(x + n * cg.channels * cg.inPlane, w, bias, conv)
                            for o in 0..<cg.outChannels {
                                let slot = n * perImage + o * pg.outPlane
                                maxPoolPlane(pg, conv + o * cg.outPlane, y + slot, a + slot, relu: true)
                            }
                        }
                    }
                }
            }
        }
    }
    return (out, argmax)
}

/// The gradients given `dp` [N, OC, PH, PW], the pooled gradient: each image's
/// convolution-output gradient is rebuilt from `argmax` and the pooled outputs (ReLU's
/// mask) into a per-worker buffer, then its products run as in `convolutionBackward`.
private func convPoolBackward(_ cg: ConvGeometry, _ pg: PoolGeometry, _ dp: [Float], _ argmax: [Int32],
                              _ pooled: [Float], _ input: [Float], _ weight: [Float],
                              needInput: Bool, needWeight: Bool, needBias: Bool)
    -> (input: [Float]?, weight: [Float]?, bias: [Float]?) {
    guard cg.batch > 0 else {
        return (needInput ? [] : nil,
                needWeight ? [Float](repeating: 0, count: cg.outChannels * cg.patchSize) : nil,
                needBias ? [Float](repeating: 0, count: cg.outChannels) : nil)
    }
    let perImage = cg.outChannels * pg.outPlane
    let operand = ConvImageKernel.backwardWeights(cg, weight)
    var slots = ConvGradientSlots(cg, needInput: needInput, needWeight: needWeight, needBias: needBias)
    dp.withUnsafeBufferPointer { pdp in
        argmax.withUnsafeBufferPointer { pa in
            pooled.withUnsafeBufferPointer { pm in
                input.withUnsafeBufferPointer { px in
                    operand.withUnsafeBufferPointer { pw in
                        let gp = pdp.baseAddress!, a = pa.baseAddress!, m = pm.baseAddress!
                        let x = px.baseAddress!, w = pw.baseAddress!
                        slots.run { kernel, images, dW, db, dx in
                            // The direct kernels take the block's weight gradient in one call, so
                            // they get the whole block's output gradients; the others one image's.
                            let block = kernel.direct != nil ? images.count : 1
                            let imageOut = cg.outChannels * cg.outPlane, imageIn = cg.channels * cg.inPlane
                            let dconv = UnsafeMutablePointer<Float>.allocate(capacity: block * imageOut)
                            defer { dconv.deallocate() }
                            var start = images.lowerBound
                            while start < images.upperBound {
                                for k in 0..<block {
                                    for o in 0..<cg.outChannels {
                                        let slot = (start + k) * perImage + o * pg.outPlane
                                        maxPoolPlaneBackward(pg, gp + slot, a + slot, m + slot,
                                                             dconv + k * imageOut + o * cg.outPlane, zeroed: false)
                                    }
                                }
                                kernel.backward(x + start * imageIn, dconv, count: block, w,
                                                dW: dW, db: db, dx: dx.map { $0 + start * imageIn })
                                start += block
                            }
                        }
                    }
                }
            }
        }
    }
    return slots.results()
}

// Stride-1 convolutions on the hand-vectorised AVX-512 kernels of CKernels.
//
// OpenBLAS runs its Haswell (AVX2) kernels here (the user's OPENBLAS_CORETYPE), and
// CNN-A's per-image products are small or skinny. The kernels read a zero-padded copy
// of the image directly, with a tile of output channels × 16 pixels (forward) or of
// taps × output channels (weight gradient) held in registers. Measured on one core of
// the Zen 5 machine, per batch of 64 (GFLOP/s, OpenBLAS shifted-plane products → direct,
// typical of runs that vary by ±15%): conv1 forward 92 → 210, conv1 weight gradient
// 61 (plus the column copies) → 200, conv2 forward 95 → 210, conv2 weight gradient
// 95 → 210, conv2 input gradient 108 → 200. A CNN-A epoch on one core: 3.59 → 1.74 s.
//
// Per image n, with xp the image padded by p and dyp its output gradient padded by
// KH − 1 − p (rows) and KW − 1 − p (columns):
//   forward    y_n  = corr(xp_n, w) + b
//   backward   dW  += Σ_n corr(xp_n, dy_n)               one call per block of images
//              dx_n = corr(dyp_n, flip(w)ᵀ)              flip: w'[c, o, i, j] = w[o, c, KH−1−i, KW−1−j]
// so the input gradient is the forward kernel again, on C output channels.

import CKernels

/// A worker's padded buffers for the direct kernels.
struct DirectConv {
    /// Whether this CPU runs the kernels (AVX-512F).
    static let cpuSupported = ck_has_avx512() != 0

    /// Whether a convolution of this geometry runs on the direct kernels: stride 1,
    /// not 1×1, padding smaller than the kernel (the input gradient's padding
    /// KH − 1 − p must not be negative), and `ConvTuning.directKernels` on.
    static func apply(to g: ConvGeometry) -> Bool {
        ConvTuning.directKernels && g.stride == 1 && !g.isPointwise
            && g.padding < g.kernelHeight && g.padding < g.kernelWidth
    }

    let g: ConvGeometry
    /// `[images, C, Hp, Wp]`: padded images, zero outside the image parts.
    let input: UnsafeMutablePointer<Float>
    /// `[OC, OH + 2(KH−1−p), OW + 2(KW−1−p)]`: one padded output gradient; `nil` when not needed.
    let gradient: UnsafeMutablePointer<Float>?
    /// Images `input` holds.
    let images: Int

    /// Buffers for up to `images` padded images, and a padded output gradient if `gradient`.
    init(_ g: ConvGeometry, images: Int, gradient: Bool) {
        self.g = g
        self.images = Swift.max(1, images)
        let inputCount = self.images * g.channels * g.paddedHeight * g.paddedWidth
        input = .allocate(capacity: inputCount)
        // The borders are never written again: `pad` copies only the image rows.
        input.initialize(repeating: 0, count: inputCount)
        if gradient {
            let count = g.outChannels * (g.outHeight + 2 * (g.kernelHeight - 1 - g.padding))
                * (g.outWidth + 2 * (g.kernelWidth - 1 - g.padding))
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            buffer.initialize(repeating: 0, count: count)
            self.gradient = buffer
        } else {
            self.gradient = nil
        }
    }

    func deallocate() {
        input.deallocate()
        gradient?.deallocate()
    }

    private var imageSize: Int { g.channels * g.paddedHeight * g.paddedWidth }
    private var gradientHeight: Int { g.outHeight + 2 * (g.kernelHeight - 1 - g.padding) }
    private var gradientWidth: Int { g.outWidth + 2 * (g.kernelWidth - 1 - g.padding) }

    /// Copies `count` images `x` [count, C, H, W] into the padded buffer, from its start.
    func pad(_ x: UnsafePointer<Float>, count: Int) {
        precondition(count <= images, "DirectConv: \(count) images for a buffer of \(images)")
        padPlanes(x, planes: count * g.channels, height: g.height, width: g.width, padding: g.padding,
                  paddingWidth: g.padding, into: input)
    }

    /// `y` [OC, OH, OW] `= corr(x, w) + b` for one image `x` [C, H, W], `w` as `forwardWeights`.
    func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                 _ y: UnsafeMutablePointer<Float>) {
        pad(x, count: 1)
        ck_conv_forward(input, Int32(g.channels), g.paddedHeight * g.paddedWidth, g.paddedWidth, w, bias,
                        Int32(g.outChannels), Int32(g.kernelHeight), Int32(g.kernelWidth),
                        Int32(g.outHeight), Int32(g.outWidth), y)
    }

    /// `dW` [OC, C·KH·KW] `+= Σ_n corr(xp_n, dy_n)` over `count` images `x` [count, C, H, W]
    /// with output gradients `dy` [count, OC, OH, OW].
    func addWeightGradient(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, count: Int,
                           _ dW: UnsafeMutablePointer<Float>) {
        pad(x, count: count)
        let plane = g.paddedHeight * g.paddedWidth
        ck_conv_weight_grad(input, imageSize, Int32(g.channels), plane, g.paddedWidth, dy,
                            Int32(g.outChannels), Int32(g.kernelHeight), Int32(g.kernelWidth),
                            Int32(g.outHeight), Int32(g.outWidth), Int32(count), dW)
    }

    /// `dx` [C, H, W] of one image from its output gradient `dy` [OC, OH, OW] and the
    /// weights as `backwardWeights` (`flippedWeights`), overwritten.
    func inputGradient(_ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        guard let gradient else { preconditionFailure("DirectConv: made without a gradient buffer") }
        let (ph, pw) = (g.kernelHeight - 1 - g.padding, g.kernelWidth - 1 - g.padding)
        padPlanes(dy, planes: g.outChannels, height: g.outHeight, width: g.outWidth, padding: ph,
                  paddingWidth: pw, into: gradient)
        ck_conv_forward(gradient, Int32(g.outChannels), gradientHeight * gradientWidth, gradientWidth, w, nil,
                        Int32(g.channels), Int32(g.kernelHeight), Int32(g.kernelWidth),
                        Int32(g.height), Int32(g.width), dx)
    }

    // MARK: - Weight layouts

    /// The forward kernel's weights: `[C·KH·KW, OC]`, `out[(c·KH + i)·KW + j, o] = w[o, c, i, j]`.
    static func forwardWeights(_ w: [Float], _ g: ConvGeometry) -> [Float] {
        transposed(w, rows: g.outChannels, columns: g.patchSize)
    }

    /// The input gradient's weights: `[OC·KH·KW, C]`,
    /// `out[(o·KH + i)·KW + j, c] = w[o, c, KH−1−i, KW−1−j]`.
    static func flippedWeights(_ w: [Float], _ g: ConvGeometry) -> [Float] {
        let (oc, c, kh, kw) = (g.outChannels, g.channels, g.kernelHeight, g.kernelWidth)
        var out = [Float](repeating: 0, count: w.count)
        out.withUnsafeMutableBufferPointer { o in
            w.withUnsafeBufferPointer { src in
                for oi in 0..<oc { for ci in 0..<c { for i in 0..<kh { for j in 0..<kw {
                    o[((oi * kh + (kh - 1 - i)) * kw + (kw - 1 - j)) * c + ci] = src[((oi * c + ci) * kh + i) * kw + j]
                } } } }
            }
        }
        return out
    }
}

/// Copies `planes` planes `height × width` from `src` into the interiors of planes padded
/// by `padding` rows and `paddingWidth` columns on each side in `dst` (borders untouched).
private func padPlanes(_ src: UnsafePointer<Float>, planes: Int, height: Int, width: Int, padding: Int,
                       paddingWidth: Int, into dst: UnsafeMutablePointer<Float>) {
    let rowStride = width + 2 * paddingWidth
    let plane = (height + 2 * padding) * rowStride
    for k in 0..<planes {
        copyRuns(from: src + k * height * width, stride: width, to: dst + k * plane + padding * rowStride + paddingWidth,
                 toStride: rowStride, rows: height, length: width)
    }
}

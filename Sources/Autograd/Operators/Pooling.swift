// Max and average pooling over square windows of NCHW tensors, no padding.
//
// Every (n, c) plane is pooled on its own, so the planes are shared out among
// the workers. The common kernel-2, stride-2 case has its own loop.
//
// `reluMaxPool2d` is max pooling of relu(x) in one op. ReLU is monotonic, so it
// commutes with max: relu(max x) = max relu(x), and it runs on the pooled quarter
// of the data instead of the whole map. Its gradient is the same as the pair's,
// ties and NaNs included (see the op). Measured on CNN-A (batch 64, 2 cores):
// ReLU + max pooling forward and backward 1.75 ms per step as two ops, 0.8 ms as
// one (with the branch-free 2×2 window kernel below). Where 2×2 windows tile the
// plane, the backward pass writes each row pair whole from the argmax offsets
// instead of zero-filling and scattering: CNN-A's first pooling backward 0.30 →
// 0.15 ms per step (one core).

/// The shapes of one pooling call.
struct PoolGeometry {
    let planes: Int, height: Int, width: Int
    let kernel: Int, stride: Int
    let outHeight: Int, outWidth: Int

    var inPlane: Int { height * width }
    var outPlane: Int { outHeight * outWidth }
    /// Kernel 2, stride 2: windows tile the image.
    var isPairwise: Bool { kernel == 2 && stride == 2 }
    /// Every input element lies in exactly one window (kernel = stride, sizes divisible).
    var windowsTile: Bool { kernel == stride && height % kernel == 0 && width % kernel == 0 }

    /// Validates `shape` [N, C, H, W] for a `kernel`×`kernel` window moved by `stride`.
    init(shape: [Int], kernel: Int, stride: Int?, op: String) throws {
        guard shape.count == 4 else {
            throw ShapeError(op: op, "input must be [N, C, H, W], got shape \(shape)")
        }
        let stride = stride ?? kernel
        guard kernel >= 1, stride >= 1 else {
            throw ShapeError(op: op, "kernel and stride must be at least 1, got kernel \(kernel) and stride \(stride)")
        }
        guard shape[2] >= kernel, shape[3] >= kernel else {
            throw ShapeError(op: op, "kernel \(kernel) is larger than the \(shape[2])×\(shape[3]) planes of input \(shape)")
        }
        planes = shape[0] * shape[1]; height = shape[2]; width = shape[3]
        self.kernel = kernel
        self.stride = stride
        outHeight = (height - kernel) / stride + 1
        outWidth = (width - kernel) / stride + 1
    }

    /// Runs `body` over contiguous ranges of planes, on several workers when the job is big.
    func forEachPlaneChunk(_ body: (Range<Int>) -> Void) {
        Parallelism.forEachChunk(planes, minChunk: Swift.max(1, (1 << 16) / Swift.max(inPlane, 1)), body)
    }
}

extension Tensor {
    /// Max pooling over `kernel`×`kernel` windows (PyTorch's `max_pool2d`, no padding).
    ///
    /// `y[n, c, oh, ow] = max_{i,j < kernel} x[n, c, oh·s + i, ow·s + j]`.
    ///
    /// - Parameters:
    ///   - kernel: window side (≥ 1).
    ///   - stride: step between windows; defaults to `kernel` (non-overlapping windows).
    /// - Returns: `[N, C, OH, OW]` with `OH = (H − kernel) / stride + 1` (floor), likewise `OW`,
    ///   for `self` of shape `[N, C, H, W]`.
    ///
    /// The gradient of each output goes to one input element: the first maximum of its
    /// window in row-major order (PyTorch's rule for ties); a NaN counts as a maximum,
    /// so NaNs propagate. Overlapping windows that pick the same element add up there.
    public func maxPool2d(kernel: Int, stride: Int? = nil) -> Tensor {
        let g = checked { try PoolGeometry(shape: shape, kernel: kernel, stride: stride, op: "maxPool2d") }
        let (out, argmax) = maxPoolForward(g, data, relu: false)
        let x = self
        return Tensor(shape: [shape[0], shape[1], g.outHeight, g.outWidth], data: out,
                      op: "maxPool2d", parents: [x]) { dy in
            [Gradient(maxPoolBackward(g, dy, argmax, positiveOnly: nil), shape: x.shape)]
        }
    }

    /// `relu(self).maxPool2d(kernel:stride:)` as one op: max pooling of `max(0, x)`.
    ///
    /// Computed as `max(0, maxPool2d(x))`, which is equal because ReLU is monotonic.
    /// The gradient is the pair's: each output's gradient goes to the first maximum of
    /// its window when that maximum is positive, and nowhere otherwise (a window of
    /// values ≤ 0 pools to 0 with gradient 0; a NaN maximum gets gradient 0, as ReLU's
    /// gradient at NaN is 0). Shapes and parameters as for `maxPool2d`.
    public func reluMaxPool2d(kernel: Int, stride: Int? = nil) -> Tensor {
        let g = checked { try PoolGeometry(shape: shape, kernel: kernel, stride: stride, op: "reluMaxPool2d") }
        let (out, argmax) = maxPoolForward(g, data, relu: true)
        let x = self
        return Tensor(shape: [shape[0], shape[1], g.outHeight, g.outWidth], data: out,
                      op: "reluMaxPool2d", parents: [x]) { dy in
            // An output is positive exactly when its window's maximum is.
            [Gradient(maxPoolBackward(g, dy, argmax, positiveOnly: out), shape: x.shape)]
        }
    }

    /// Average pooling over `kernel`×`kernel` windows (PyTorch's `avg_pool2d`, no padding).
    ///
    /// `y[n, c, oh, ow] = (1 / kernel²) · Σ_{i,j < kernel} x[n, c, oh·s + i, ow·s + j]`.
    ///
    /// - Parameters:
    ///   - kernel: window side (≥ 1).
    ///   - stride: step between windows; defaults to `kernel`.
    /// - Returns: `[N, C, OH, OW]`, sizes as for `maxPool2d`.
    ///
    /// The gradient spreads each output's gradient evenly, `dy / kernel²`, over its window.
    public func avgPool2d(kernel: Int, stride: Int? = nil) -> Tensor {
        let g = checked { try PoolGeometry(shape: shape, kernel: kernel, stride: stride, op: "avgPool2d") }
        let outCount = g.planes * g.outPlane
        var out = [Float](repeating: 0, count: outCount)
        if outCount > 0 {
            data.withUnsafeBufferPointer { px in
                out.withUnsafeMutableBufferPointer { py in
                    let x = px.baseAddress!, y = py.baseAddress!
                    g.forEachPlaneChunk { planes in
                        for plane in planes { avgPoolPlane(g, x + plane * g.inPlane, y + plane * g.outPlane) }
                    }
                }
            }
        }
        let x = self
        return Tensor(shape: [shape[0], shape[1], g.outHeight, g.outWidth], data: out,
                      op: "avgPool2d", parents: [x]) { dy in
            var dx = [Float](repeating: 0, count: x.count)
            if outCount > 0 {
                dy.withUnsafeBufferPointer { pdy in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        let gy = pdy.baseAddress!, gx = pdx.baseAddress!
                        g.forEachPlaneChunk { planes in
                            for plane in planes { avgPoolPlaneBackward(g, gy + plane * g.outPlane, gx + plane * g.inPlane) }
                        }
                    }
                }
            }
            return [Gradient(dx, shape: x.shape)]
        }
    }
}

// MARK: - Max pooling, whole batch

/// Max pooling of `x` [planes, H, W]: the pooled values [planes, OH, OW] (through
/// ReLU when `relu`) and, for each, the in-plane index of the first maximum of its window.
private func maxPoolForward(_ g: PoolGeometry, _ input: [Float], relu: Bool) -> (values: [Float], argmax: [Int32]) {
    let outCount = g.planes * g.outPlane
    // Every element is written below, plane by plane on the workers: no serial zero fill first.
    var argmax = [Int32](unsafeUninitializedCapacity: outCount) { _, initialized in initialized = outCount }
    var out = [Float](unsafeUninitializedCapacity: outCount) { _, initialized in initialized = outCount }
    guard outCount > 0 else { return (out, argmax) }
    input.withUnsafeBufferPointer { px in
        out.withUnsafeMutableBufferPointer { py in
            argmax.withUnsafeMutableBufferPointer { pa in
                let x = px.baseAddress!, y = py.baseAddress!, a = pa.baseAddress!
                g.forEachPlaneChunk { planes in
                    for plane in planes {
                        maxPoolPlane(g, x + plane * g.inPlane, y + plane * g.outPlane, a + plane * g.outPlane, relu: relu)
                    }
                }
            }
        }
    }
    return (out, argmax)
}

/// The input gradient [planes, H, W] of max pooling: `dx[argmax] += dy`, window by
/// window. With `positiveOnly` (the fused op's outputs [planes, OH, OW]), only windows
/// whose output is positive pass their gradient on: ReLU's gradient.
private func maxPoolBackward(_ g: PoolGeometry, _ dy: [Float], _ argmax: [Int32], positiveOnly: [Float]?) -> [Float] {
    let inCount = g.planes * g.inPlane
    guard g.planes * g.outPlane > 0 else { return [Float](repeating: 0, count: inCount) }
    // Where windows tile the input, every element is written exactly once: no zero fill first.
    let tiles = g.windowsTile
    let body = { (gx: UnsafeMutablePointer<Float>) in
        dy.withUnsafeBufferPointer { pdy in
            argmax.withUnsafeBufferPointer { pa in
                (positiveOnly ?? []).withUnsafeBufferPointer { pm in
                    let gy = pdy.baseAddress!, a = pa.baseAddress!
                    let m = positiveOnly == nil ? nil : pm.baseAddress  // an empty array may still have an address
                    g.forEachPlaneChunk { planes in
                        for plane in planes {
                            let offset = plane * g.outPlane
                            maxPoolPlaneBackward(g, gy + offset, a + offset, m.map { $0 + offset }, gx + plane * g.inPlane,
                                                 zeroed: !tiles)
                        }
                    }
                }
            }
        }
    }
    if tiles {
        return [Float](unsafeUninitializedCapacity: inCount) { buffer, initialized in
            body(buffer.baseAddress!)
            initialized = inCount
        }
    }
    var dx = [Float](repeating: 0, count: inCount)
    dx.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    return dx
}

/// The input gradient of one plane [H, W] of 2×2, stride-2 pooling whose windows tile
/// the plane, written row pair by row pair with no zero fill and no scatter: each
/// element gets its window's output gradient if it is the window's argmax (and, with
/// `positive`, the output is positive), else 0. Eight windows at a time.
private func maxPoolPairsBackward(_ g: PoolGeometry, _ dy: UnsafePointer<Float>, _ argmax: UnsafePointer<Int32>,
                                  _ positive: UnsafePointer<Float>?, _ dx: UnsafeMutablePointer<Float>) {
    let w = g.width
    let lane = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
    for oh in 0..<g.outHeight {
        let top = 2 * oh * w
        let row = oh * g.outWidth
        let topRow = UnsafeMutableRawPointer(dx + top), bottomRow = UnsafeMutableRawPointer(dx + top + w)
        var ow = 0
        while ow + 8 <= g.outWidth {
            // The gradients as bits, so that masks select them with a plain `and`
            // (the generic `replacing(with:where:)` runs lane by lane).
            var gy = UnsafeRawPointer(dy + row + ow).loadUnaligned(as: SIMD8<Int32>.self)
            if let positive {
                let out = UnsafeRawPointer(positive + row + ow).loadUnaligned(as: SIMD8<Float>.self)
                gy &= bits(out .> 0)
            }
            // Where in its window each maximum sits: 0, 1, w or w + 1 (w even, as the
            // windows tile). Masks by arithmetic: integer `.==` runs lane by lane.
            let corner = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: top + 2 * ow)) &+ lane
            let at = UnsafeRawPointer(argmax + row + ow).loadUnaligned(as: SIMD8<Int32>.self) &- corner
            let right = SIMD8<Int32>(repeating: 0) &- (at & 1)   // all ones in the right column
            let upper = (at &- 2) &>> 31                          // all ones in the top row
            let topLeft = gy & upper & ~right
            let topRight = gy & upper & right
            let bottomLeft = gy & ~upper & ~right
            let bottomRight = gy & ~upper & right
            topRow.storeBytes(of: interleaved(topLeft, topRight), toByteOffset: 8 * ow, as: SIMD16<Float>.self)
            bottomRow.storeBytes(of: interleaved(bottomLeft, bottomRight), toByteOffset: 8 * ow, as: SIMD16<Float>.self)
            ow += 8
        }
        while ow < g.outWidth {
            var gy = dy[row + ow]
            if let positive, !(positive[row + ow] > 0) { gy = 0 }
            let at = Int(argmax[row + ow]) - (top + 2 * ow)
            let t = top + 2 * ow
            dx[t] = at == 0 ? gy : 0
            dx[t + 1] = at == 1 ? gy : 0
            dx[t + w] = at == w ? gy : 0
            dx[t + w + 1] = at == w + 1 ? gy : 0
            ow += 1
        }
    }
}

/// A lane mask as bits: all ones where true, zeros where false.
@inline(__always)
private func bits(_ mask: SIMDMask<SIMD8<Int32>>) -> SIMD8<Int32> {
    unsafeBitCast(mask, to: SIMD8<Int32>.self)
}

/// `(a0, b0, a1, b1, …, a7, b7)`, as floats.
@inline(__always)
private func interleaved(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD16<Float> {
    unsafeBitCast(SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7]),
                  to: SIMD16<Float>.self)
}

/// The input gradient of one plane: `dx[argmax] += dy` window by window, where `positive`
/// (the fused op's outputs) is `nil` or positive.
///
/// - Parameters:
///   - dy, argmax, positive: `[OH, OW]`.
///   - dx: `[H, W]`; written whole when the windows tile the plane, else added onto
///     (`zeroed`: it already holds zeros; otherwise it is cleared first).
func maxPoolPlaneBackward(_ g: PoolGeometry, _ dy: UnsafePointer<Float>, _ argmax: UnsafePointer<Int32>,
                          _ positive: UnsafePointer<Float>?, _ dx: UnsafeMutablePointer<Float>, zeroed: Bool) {
    if g.windowsTile && g.isPairwise {
        maxPoolPairsBackward(g, dy, argmax, positive, dx)
        return
    }
    if !zeroed { dx.update(repeating: 0, count: g.inPlane) }
    if let positive {
        // A select, not a branch: the signs are random.
        for t in 0..<g.outPlane { dx[Int(argmax[t])] += positive[t] > 0 ? dy[t] : 0 }
    } else {
        for t in 0..<g.outPlane { dx[Int(argmax[t])] += dy[t] }
    }
}

// MARK: - Plane kernels

/// Max pooling of one plane `x` [H, W] into `y` [OH, OW] (through ReLU when `relu`),
/// recording in `argmax` [OH, OW] the in-plane index of the first maximum of each window.
func maxPoolPlane(_ g: PoolGeometry, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                          _ argmax: UnsafeMutablePointer<Int32>, relu: Bool) {
    let w = g.width
    if g.isPairwise {
        for oh in 0..<g.outHeight {
            let top = 2 * oh * w
            let yRow = y + oh * g.outWidth, aRow = argmax + oh * g.outWidth
            let ow = maxPoolPairsSIMD(x, top: top, width: w, count: g.outWidth, yRow, aRow, relu: relu)
            for ow in ow..<g.outWidth {
                // Window order: top-left, top-right, bottom-left, bottom-right.
                var index = top + 2 * ow
                var best = x[index]
                var candidate = index + 1
                if x[candidate] > best || x[candidate].isNaN { best = x[candidate]; index = candidate }
                candidate = top + w + 2 * ow
                if x[candidate] > best || x[candidate].isNaN { best = x[candidate]; index = candidate }
                candidate += 1
                if x[candidate] > best || x[candidate].isNaN { best = x[candidate]; index = candidate }
                yRow[ow] = relu && best < 0 ? 0 : best
                aRow[ow] = Int32(truncatingIfNeeded: index)
            }
        }
        return
    }
    for oh in 0..<g.outHeight {
        for ow in 0..<g.outWidth {
            let corner = oh * g.stride * w + ow * g.stride
            var index = corner
            var best = x[corner]
            for i in 0..<g.kernel {
                let row = corner + i * w
                for j in 0..<g.kernel {
                    let v = x[row + j]
                    if v > best || v.isNaN { best = v; index = row + j }
                }
            }
            y[oh * g.outWidth + ow] = relu && best < 0 ? 0 : best
            argmax[oh * g.outWidth + ow] = Int32(truncatingIfNeeded: index)
        }
    }
}

/// The 2×2 windows of one pair of rows (the top one starting at `top` in `x`), eight
/// outputs at a time with selects instead of branches (the comparisons are as
/// unpredictable as the data). Same rule as the scalar loop: a later element replaces
/// the best so far when it is larger or NaN. Returns how many outputs it wrote.
@inline(__always)
private func maxPoolPairsSIMD(_ x: UnsafePointer<Float>, top: Int, width w: Int, count: Int,
                              _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>,
                              relu: Bool) -> Int {
    let lane = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
    let raw = UnsafeRawPointer(x)
    var ow = 0
    while ow + 8 <= count {
        let upper = raw.loadUnaligned(fromByteOffset: (top + 2 * ow) * 4, as: SIMD16<Float>.self)
        let lower = raw.loadUnaligned(fromByteOffset: (top + w + 2 * ow) * 4, as: SIMD16<Float>.self)
        var best = upper.evenHalf
        var offset = SIMD8<Int32>(repeating: 0)
        @inline(__always) func challenge(_ candidate: SIMD8<Float>, _ position: Int32) {
            let wins = (candidate .> best) .| (candidate .!= candidate)
            best.replace(with: candidate, where: wins)
            offset.replace(with: position, where: wins)
        }
        challenge(upper.oddHalf, 1)
        challenge(lower.evenHalf, Int32(truncatingIfNeeded: w))
        challenge(lower.oddHalf, Int32(truncatingIfNeeded: w + 1))
        if relu { best.replace(with: 0, where: best .< 0) }
        UnsafeMutableRawPointer(y + ow).storeBytes(of: best, as: SIMD8<Float>.self)
        let index = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: top + 2 * ow)) &+ lane &+ offset
        UnsafeMutableRawPointer(argmax + ow).storeBytes(of: index, as: SIMD8<Int32>.self)
        ow += 8
    }
    return ow
}

/// Average pooling of one plane `x` [H, W] into `y` [OH, OW].
private func avgPoolPlane(_ g: PoolGeometry, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    let w = g.width
    if g.isPairwise {
        for oh in 0..<g.outHeight {
            let top = x + 2 * oh * w, bottom = top + w
            let yRow = y + oh * g.outWidth
            for ow in 0..<g.outWidth {
                yRow[ow] = 0.25 * ((top[2 * ow] + top[2 * ow + 1]) + (bottom[2 * ow] + bottom[2 * ow + 1]))
            }
        }
        return
    }
    let scale = 1 / Float(g.kernel * g.kernel)
    for oh in 0..<g.outHeight {
        for ow in 0..<g.outWidth {
            let corner = x + oh * g.stride * w + ow * g.stride
            var sum: Float = 0
            for i in 0..<g.kernel {
                for j in 0..<g.kernel { sum += corner[i * w + j] }
            }
            y[oh * g.outWidth + ow] = sum * scale
        }
    }
}

/// Adds `dy / kernel²` over each window of one plane: `dy` [OH, OW] → `dx` [H, W].
private func avgPoolPlaneBackward(_ g: PoolGeometry, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
    let w = g.width
    let scale = 1 / Float(g.kernel * g.kernel)
    for oh in 0..<g.outHeight {
        for ow in 0..<g.outWidth {
            let share = dy[oh * g.outWidth + ow] * scale
            let corner = dx + oh * g.stride * w + ow * g.stride
            for i in 0..<g.kernel {
                for j in 0..<g.kernel { corner[i * w + j] += share }
            }
        }
    }
}

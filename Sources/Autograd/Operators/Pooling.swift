// Max and average pooling over square windows of NCHW tensors, no padding.
//
// Every (n, c) plane is pooled on its own, so the planes are shared out among
// the workers. The common kernel-2, stride-2 case has its own loop.

/// The shapes of one pooling call.
struct PoolGeometry {
    let planes: Int, height: Int, width: Int
    let kernel: Int, stride: Int
    let outHeight: Int, outWidth: Int

    var inPlane: Int { height * width }
    var outPlane: Int { outHeight * outWidth }
    /// Kernel 2, stride 2: windows tile the image.
    var isPairwise: Bool { kernel == 2 && stride == 2 }

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
        let outCount = g.planes * g.outPlane
        // Flat index within its plane of the element each output came from.
        var argmax = [Int32](repeating: 0, count: outCount)
        var out = [Float](repeating: 0, count: outCount)
        if outCount > 0 {
            data.withUnsafeBufferPointer { px in
                out.withUnsafeMutableBufferPointer { py in
                    argmax.withUnsafeMutableBufferPointer { pa in
                        let x = px.baseAddress!, y = py.baseAddress!, a = pa.baseAddress!
                        g.forEachPlaneChunk { planes in
                            for plane in planes {
                                maxPoolPlane(g, x + plane * g.inPlane, y + plane * g.outPlane, a + plane * g.outPlane)
                            }
                        }
                    }
                }
            }
        }
        let x = self
        return Tensor(shape: [shape[0], shape[1], g.outHeight, g.outWidth], data: out,
                      op: "maxPool2d", parents: [x]) { dy in
            // dx[argmax] += dy, window by window.
            var dx = [Float](repeating: 0, count: x.count)
            if outCount > 0 {
                dy.withUnsafeBufferPointer { pdy in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        argmax.withUnsafeBufferPointer { pa in
                            let gy = pdy.baseAddress!, gx = pdx.baseAddress!, a = pa.baseAddress!
                            g.forEachPlaneChunk { planes in
                                for plane in planes {
                                    let src = gy + plane * g.outPlane, idx = a + plane * g.outPlane
                                    let dst = gx + plane * g.inPlane
                                    for t in 0..<g.outPlane { dst[Int(idx[t])] += src[t] }
                                }
                            }
                        }
                    }
                }
            }
            return [Gradient(dx, shape: x.shape)]
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

// MARK: - Plane kernels

/// Max pooling of one plane `x` [H, W] into `y` [OH, OW], recording in `argmax`
/// [OH, OW] the in-plane index of the first maximum of each window.
private func maxPoolPlane(_ g: PoolGeometry, _ x: UnsafePointer<Float>,
                          _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>) {
    let w = g.width
    if g.isPairwise {
        for oh in 0..<g.outHeight {
            let top = 2 * oh * w
            let yRow = y + oh * g.outWidth, aRow = argmax + oh * g.outWidth
            for ow in 0..<g.outWidth {
                // Window order: top-left, top-right, bottom-left, bottom-right.
                var index = top + 2 * ow
                var best = x[index]
                var candidate = index + 1
                if x[candidate] > best || x[candidate].isNaN { best = x[candidate]; index = candidate }
                candidate = top + w + 2 * ow
                if x[candidate] > best || x[candidate].isNaN { best = x[candidate]; index = candidate }
                candidate += 1
                if x[candidate] > best || x[candidate].isNaN { best = x[candidate]; index = candidate }
                yRow[ow] = best
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
            y[oh * g.outWidth + ow] = best
            argmax[oh * g.outWidth + ow] = Int32(truncatingIfNeeded: index)
        }
    }
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

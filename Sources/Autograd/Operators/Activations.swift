// Pointwise nonlinearities used by the layers.
//
// ReLU runs on SIMD16 lanes with masked selects: the signs of activations are
// random, so a per-element branch mispredicts half the time (measured: the
// branchy loop cost ~11 ms per CNN-A step, the masked one about a memory copy).

extension Tensor {
    /// max(0, x), elementwise. The gradient at exactly 0 is taken as 0 (PyTorch's rule).
    public func relu() -> Tensor {
        let x = self
        var out = data
        out.withUnsafeMutableBufferPointer { p in
            Parallelism.forEachChunk(p.count, minChunk: 1 << 16) { r in
                reluForward(p.baseAddress! + r.lowerBound, r.count)
            }
        }
        return Tensor(shape: shape, data: out, op: "relu", parents: [x]) { g in
            // d relu/dx = 1 where x > 0, else 0
            var dx = g
            dx.withUnsafeMutableBufferPointer { pd in
                x.data.withUnsafeBufferPointer { px in
                    Parallelism.forEachChunk(pd.count, minChunk: 1 << 16) { r in
                        reluBackward(pd.baseAddress! + r.lowerBound, px.baseAddress! + r.lowerBound, r.count)
                    }
                }
            }
            return [Gradient(dx, shape: x.shape)]
        }
    }
}

/// `p[i] = max(p[i], 0)` for `i < n`, 16 lanes at a time. NaN stays NaN.
private func reluForward(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    while i + 16 <= n {
        let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(p + i).storeBytes(of: v.replacing(with: 0, where: v .< 0), as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        if p[i] < 0 { p[i] = 0 }
        i += 1
    }
}

/// `g[i] = x[i] > 0 ? g[i] : 0` for `i < n`, 16 lanes at a time.
private func reluBackward(_ g: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 16 <= n {
        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
        let gv = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(g + i).storeBytes(of: gv.replacing(with: 0, where: .!(xv .> 0)), as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        if !(x[i] > 0) { g[i] = 0 }
        i += 1
    }
}

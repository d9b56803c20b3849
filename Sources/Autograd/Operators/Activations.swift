// Pointwise nonlinearities used by the layers.

extension Tensor {
    /// max(0, x), elementwise. The gradient at exactly 0 is taken as 0.
    public func relu() -> Tensor {
        let x = self
        var out = data
        out.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count where p[i] < 0 { p[i] = 0 }
        }
        return Tensor(shape: shape, data: out, op: "relu", parents: [x]) { g in
            // d relu/dx = 1 where x > 0, else 0
            var dx = g
            dx.withUnsafeMutableBufferPointer { pd in
                x.data.withUnsafeBufferPointer { px in
                    for i in 0..<pd.count where !(px[i] > 0) { pd[i] = 0 }
                }
            }
            return [Gradient(dx, shape: x.shape)]
        }
    }
}

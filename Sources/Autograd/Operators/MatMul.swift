// Matrix products on cblas_sgemm, with their gradients also on sgemm. Transposed
// operands are read in place through BLAS's transpose flags: nothing is copied.

extension Tensor {
    /// Checks the shapes of `matmul` and returns `(m, k, n)`.
    static func matmulDimensions(_ a: [Int], _ b: [Int], transposeA: Bool, transposeB: Bool) throws -> (Int, Int, Int) {
        guard a.count == 2, b.count == 2 else {
            throw ShapeError(op: "matmul", "needs two matrices, got shapes \(a) and \(b)")
        }
        let (m, ka) = transposeA ? (a[1], a[0]) : (a[0], a[1])
        let (kb, n) = transposeB ? (b[1], b[0]) : (b[0], b[1])
        guard ka == kb else {
            throw ShapeError(op: "matmul",
                             "inner dimensions differ: \(a)\(transposeA ? "ᵀ" : "") × \(b)\(transposeB ? "ᵀ" : "") (\(ka) vs \(kb))")
        }
        return (m, ka, n)
    }

    /// The matrix product `op(self) · op(other)`, where `op` transposes when asked.
    ///
    /// - Parameters:
    ///   - other: `[k, n]`, or `[n, k]` with `transposeOther`.
    ///   - transposeSelf: read `self` (`[k, m]`) as its transpose.
    /// - Returns: `[m, n]`.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        let a = self, b = other
        let (m, k, n) = checked { try Tensor.matmulDimensions(a.shape, b.shape, transposeA: transposeSelf, transposeB: transposeOther) }
        var out = [Float](repeating: 0, count: m * n)
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    sgemm(transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k,
                          pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
                }
            }
        }
        return Tensor(shape: [m, n], data: out, op: "matmul", parents: [a, b]) { g in
            // C = op(A)·op(B), dC = g [m, n]:
            //   d op(A) = g · op(B)ᵀ  [m, k]      d op(B) = op(A)ᵀ · g  [k, n]
            // and a transposed operand gets the transpose of its op-gradient.
            var gradA: Gradient? = nil, gradB: Gradient? = nil
            g.withUnsafeBufferPointer { pg in
                let dc = pg.baseAddress!
                if a.requiresGrad {
                    var da = [Float](repeating: 0, count: m * k)
                    b.data.withUnsafeBufferPointer { pb in
                        da.withUnsafeMutableBufferPointer { pd in
                            if transposeSelf {
                                // A is [k, m]: dA = op(B) · gᵀ
                                sgemm(transA: transposeOther, transB: true, m: k, n: m, k: n,
                                      pb.baseAddress!, dc, pd.baseAddress!)
                            } else {
                                // A is [m, k]: dA = g · op(B)ᵀ
                                sgemm(transA: false, transB: !transposeOther, m: m, n: k, k: n,
                                      dc, pb.baseAddress!, pd.baseAddress!)
                            }
                        }
                    }
                    gradA = Gradient(da, shape: a.shape)
                }
                if b.requiresGrad {
                    var db = [Float](repeating: 0, count: k * n)
                    a.data.withUnsafeBufferPointer { pa in
                        db.withUnsafeMutableBufferPointer { pd in
                            if transposeOther {
                                // B is [n, k]: dB = gᵀ · op(A)
                                sgemm(transA: true, transB: transposeSelf, m: n, n: k, k: m,
                                      dc, pa.baseAddress!, pd.baseAddress!)
                            } else {
                                // B is [k, n]: dB = op(A)ᵀ · g
                                sgemm(transA: !transposeSelf, transB: false, m: k, n: n, k: m,
                                      pa.baseAddress!, dc, pd.baseAddress!)
                            }
                        }
                    }
                    gradB = Gradient(db, shape: b.shape)
                }
            }
            return [gradA, gradB]
        }
    }

    /// A fully connected layer's map: `self · weightᵀ + bias`.
    ///
    /// - Parameters:
    ///   - weight: `[out, in]` (PyTorch's layout).
    ///   - bias: `[out]`, or `nil`.
    /// - Returns: `[batch, out]` for `self` of shape `[batch, in]`.
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        let product = matmul(weight, transposeOther: true)
        guard let bias else { return product }
        precondition(bias.shape == [weight.shape[0]],
                     "linear: bias of shape \(bias.shape) does not match weight \(weight.shape)")
        return product + bias
    }
}

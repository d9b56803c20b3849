// Regression losses as free functions, `mseLoss(prediction, target)` and
// `l1Loss(prediction, target)` (PyTorch's argument order and mean reduction),
// each with its gradient underneath. Both operands may require gradients.
//
// Shapes must match exactly: broadcasting a [N] target against a [N, 1]
// prediction would silently compare every pair, so it is refused.

/// Elements per parallel block (also the unit of the fixed summation order).
private let lossGrain = 1 << 15

/// The two pointwise penalties.
private enum Penalty {
    case squared, absolute
}

/// `d = prediction − target` and Σ penalty(d) in `Double`, block by block in a
/// fixed order (the total does not depend on the thread count).
private func penalize(_ prediction: [Float], _ target: [Float], _ penalty: Penalty) -> (difference: [Float], total: Double) {
    let count = prediction.count
    var difference = [Float](repeating: 0, count: count)
    let blocks = (count + lossGrain - 1) / lossGrain
    guard blocks > 0 else { return (difference, 0) }
    var partial = [Double](repeating: 0, count: blocks)
    prediction.withUnsafeBufferPointer { pp in
        target.withUnsafeBufferPointer { pt in
            difference.withUnsafeMutableBufferPointer { pd in
                partial.withUnsafeMutableBufferPointer { ps in
                    let p = pp.baseAddress!, t = pt.baseAddress!, d = pd.baseAddress!, s = ps.baseAddress!
                    Parallelism.forEachChunk(blocks) { range in
                        for block in range {
                            let start = block * lossGrain, end = Swift.min(start + lossGrain, count)
                            var acc = 0.0
                            switch penalty {
                            case .squared:
                                for i in start..<end {
                                    let e = p[i] - t[i]
                                    d[i] = e
                                    acc += Double(e * e)
                                }
                            case .absolute:
                                for i in start..<end {
                                    let e = p[i] - t[i]
                                    d[i] = e
                                    acc += Double(Swift.abs(e))
                                }
                            }
                            s[block] = acc
                        }
                    }
                }
            }
        }
    }
    return (difference, partial.reduce(0, +))
}

/// Checks that a loss's operands have the same shape.
func lossShapes(_ prediction: [Int], _ target: [Int], op: String) throws {
    guard prediction == target else {
        throw ShapeError(op: op, "prediction shape \(prediction) and target shape \(target) differ; they must match exactly (no broadcasting)")
    }
}

private func regressionLoss(_ prediction: Tensor, _ target: Tensor, _ penalty: Penalty, op: String) -> Tensor {
    checked { try lossShapes(prediction.shape, target.shape, op: op) }
    let (difference, total) = penalize(prediction.data, target.data, penalty)
    let n = prediction.count
    let loss = Float(total / Double(n))
    return Tensor(shape: [], data: [loss], op: op, parents: [prediction, target]) { g in
        // mse: d/dp = 2(p − t)/N;  l1: d/dp = sign(p − t)/N (0 where p = t);  d/dt = −d/dp.
        var dp = [Float](repeating: 0, count: n)
        dp.withUnsafeMutableBufferPointer { pd in
            difference.withUnsafeBufferPointer { pe in
                let out = pd.baseAddress!, e = pe.baseAddress!
                Parallelism.forEachChunk(n, minChunk: lossGrain) { r in
                    switch penalty {
                    case .squared:
                        let scale = 2 * g[0] / Float(n)
                        for i in r { out[i] = scale * e[i] }
                    case .absolute:
                        let scale = g[0] / Float(n)
                        for i in r { out[i] = e[i] > 0 ? scale : (e[i] < 0 ? -scale : 0) }
                    }
                }
            }
        }
        return [prediction.requiresGrad ? Gradient(dp, shape: prediction.shape) : nil,
                target.requiresGrad ? Gradient(negated(dp), shape: target.shape) : nil]
    }
}

/// Mean squared error, `Σ (prediction − target)² / N`, as a scalar (shape `[]`);
/// accumulated in `Double`, NaN for empty operands.
///
/// Gradients: `2(prediction − target)/N` to the prediction, its negative to the target.
/// - Parameters:
///   - prediction: any shape.
///   - target: exactly the prediction's shape (no broadcasting).
public func mseLoss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    regressionLoss(prediction, target, .squared, op: "mseLoss")
}

/// Mean absolute error, `Σ |prediction − target| / N`, as a scalar (shape `[]`);
/// accumulated in `Double`, NaN for empty operands.
///
/// Gradients: `sign(prediction − target)/N` to the prediction (0 where they are
/// equal), its negative to the target.
/// - Parameters:
///   - prediction: any shape.
///   - target: exactly the prediction's shape (no broadcasting).
public func l1Loss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    regressionLoss(prediction, target, .absolute, op: "l1Loss")
}

import Foundation

// The fused softmax cross-entropy: one pass forward, one line of gradient.

extension Tensor {
    /// Mean softmax cross-entropy of `self` (logits `[batch, classes]`) against
    /// integer class labels.
    ///
    /// Computed stably as `logsumexp(z) − z[label]` with the row maximum subtracted
    /// first; the gradient is `(softmax(z) − onehot(label)) / batch`.
    /// - Precondition: one label per row, each in `0..<classes`.
    public func softmaxCrossEntropy(labels: [Int]) -> Tensor {
        precondition(rank == 2, "softmaxCrossEntropy: logits must be [batch, classes], got \(shape)")
        let (batch, classes) = (shape[0], shape[1])
        precondition(labels.count == batch,
                     "softmaxCrossEntropy: \(labels.count) labels for logits of shape \(shape)")
        precondition(labels.allSatisfy { (0..<classes).contains($0) },
                     "softmaxCrossEntropy: labels must lie in 0..<\(classes)")
        var probabilities = [Float](repeating: 0, count: count)
        var total = 0.0
        data.withUnsafeBufferPointer { z in
            probabilities.withUnsafeMutableBufferPointer { p in
                for r in 0..<batch {
                    let row = r * classes
                    var maxValue = -Float.infinity
                    for c in 0..<classes { maxValue = Swift.max(maxValue, z[row + c]) }
                    var sum: Float = 0
                    for c in 0..<classes {
                        let e = Foundation.exp(z[row + c] - maxValue)
                        p[row + c] = e
                        sum += e
                    }
                    let inverse = 1 / sum
                    for c in 0..<classes { p[row + c] *= inverse }
                    total += Double(Foundation.log(sum) + maxValue - z[row + labels[r]])
                }
            }
        }
        let logits = self
        let loss = Float(total / Double(Swift.max(batch, 1)))
        return Tensor(shape: [], data: [loss], op: "softmaxCrossEntropy", parents: [logits]) { g in
            let scale = g[0] / Float(batch)
            var dz = probabilities
            dz.withUnsafeMutableBufferPointer { d in
                for r in 0..<batch { d[r * classes + labels[r]] -= 1 }
                for i in 0..<d.count { d[i] *= scale }
            }
            return [Gradient(dz, shape: logits.shape)]
        }
    }
}

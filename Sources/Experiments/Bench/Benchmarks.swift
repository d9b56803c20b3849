import Autograd
import Dispatch

/// The reference workloads of docs/DESIGN.md §5, timed in-process.
///
/// Each figure is a median over repeats (plus the best where BLAS is concerned),
/// measured after a warm-up, on whatever `Parallelism.threads` is set to.
public enum Benchmarks {
    /// Seconds elapsed while running `body`.
    public static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median: no values")
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    // MARK: - sgemm

    /// GFLOP/s of an `n × n × n` sgemm through the project's wrapper: (best, median).
    public static func sgemm(size n: Int, repeats: Int) -> (best: Double, median: Double) {
        var rng = SeededRandom(seed: 1)
        let a = (0..<(n * n)).map { _ in rng.nextFloat() - 0.5 }
        let b = (0..<(n * n)).map { _ in rng.nextFloat() - 0.5 }
        var c = [Float](repeating: 0, count: n * n)
        var times: [Double] = []
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    for r in 0...repeats {
                        let t = seconds { Autograd.sgemm(m: n, n: n, k: n, pa.baseAddress!, pb.baseAddress!, pc.baseAddress!) }
                        if r > 0 { times.append(t) }  // the first call warms up
                    }
                }
            }
        }
        let flops = 2 * Double(n) * Double(n) * Double(n)
        return (flops / times.min()! / 1e9, flops / median(times) / 1e9)
    }

    // MARK: - conv2d

    /// Milliseconds for conv2d forward, and forward + backward, at one layer shape.
    ///
    /// - Parameters:
    ///   - input: `[N, C, H, W]`.
    ///   - weight: `[OC, C, K, K]`.
    ///   - inputGradient: whether the backward pass also computes the input's gradient
    ///     (conv1 needs none, conv2 does).
    public static func conv2d(input: [Int], weight: [Int], padding: Int, inputGradient: Bool,
                              repeats: Int) -> (forwardMs: Double, forwardBackwardMs: Double) {
        var rng = SeededRandom(seed: 2)
        let x = Tensor.randn(input, using: &rng, requiresGrad: inputGradient)
        let w = Tensor.randn(weight, std: 0.1, using: &rng, requiresGrad: true)
        let b = Tensor.zeros([weight[0]], requiresGrad: true)
        var forward: [Double] = [], both: [Double] = []
        for r in 0...repeats {
            let tf = seconds { _ = withNoGrad { x.conv2d(weight: w, bias: b, padding: padding) } }
            let tb = seconds {
                let y = x.conv2d(weight: w, bias: b, padding: padding)
                y.backward(seed: y.data)
            }
            w.zeroGrad(); b.zeroGrad(); x.zeroGrad()
            if r > 0 {
                forward.append(tf * 1e3)
                both.append(tb * 1e3)
            }
        }
        return (median(forward), median(both))
    }

    // MARK: - CNN-A epoch

    /// Seconds per CNN-A training epoch (forward + backward + SGD update; no data
    /// generation, no evaluation), on `images` random 32×32 RGB inputs held in memory.
    ///
    /// The recipe is docs/DESIGN.md §5's: batch 64, SGD momentum 0.9, lr 0.01, weight decay
    /// 5e-4. Returns one time per epoch and the final mean training loss (a sanity check).
    public static func cnnAEpochs(images: Int = 10_000, batch: Int = 64, epochs: Int,
                                  seed: UInt64 = 0) -> (seconds: [Double], loss: Float) {
        var rng = SeededRandom(seed: seed)
        let imageSize = 3 * 32 * 32
        // Inputs with a learnable signal: the label sets the mean of one channel.
        var data = [Float](repeating: 0, count: images * imageSize)
        var labels = [Int](repeating: 0, count: images)
        for i in 0..<images {
            let label = rng.nextInt(below: 6)
            labels[i] = label
            let shift = Float(label) / 3 - 1
            for p in 0..<imageSize { data[i * imageSize + p] = rng.nextNormal() + (p < 1024 ? shift : 0) }
        }
        let model = CNNA(rng: &rng)
        let optimizer = SGD(parameters: model.network.parameters, learningRate: 0.01,
                            momentum: 0.9, weightDecay: 5e-4)
        var times: [Double] = []
        var lastLoss: Float = 0
        var batchImages = [Float](repeating: 0, count: batch * imageSize)
        for _ in 0..<epochs {
            let order = rng.permutation(images)
            var lossSum: Float = 0, batches = 0
            let t = seconds {
                var start = 0
                while start < images {
                    let n = min(batch, images - start)
                    var batchLabels = [Int](repeating: 0, count: n)
                    batchImages.withUnsafeMutableBufferPointer { dst in
                        data.withUnsafeBufferPointer { src in
                            for j in 0..<n {
                                let i = order[start + j]
                                batchLabels[j] = labels[i]
                                (dst.baseAddress! + j * imageSize)
                                    .update(from: src.baseAddress! + i * imageSize, count: imageSize)
                            }
                        }
                    }
                    let x = Tensor(shape: [n, 3, 32, 32], data: n == batch ? batchImages : Array(batchImages[0..<(n * imageSize)]))
                    optimizer.zeroGrad()
                    let loss = model(x).softmaxCrossEntropy(labels: batchLabels)
                    loss.backward()
                    optimizer.step()
                    lossSum += loss.item
                    batches += 1
                    start += n
                }
            }
            times.append(t)
            lastLoss = lossSum / Float(max(batches, 1))
        }
        return (times, lastLoss)
    }
}

import XCTest
@testable import Autograd

/// Seeded smoke tests: small networks must actually learn, in a few seconds of a debug build.
final class LearningTests: XCTestCase {
    private func argmaxRows(_ logits: Tensor) -> [Int] {
        let classes = logits.shape[1]
        return (0..<logits.shape[0]).map { r in
            let row = logits.data[(r * classes)..<((r + 1) * classes)]
            return row.indices.max { row[$0] < row[$1] }! - r * classes
        }
    }

    func testMLPLearnsXOR() {
        var rng = SeededRandom(seed: 61)
        let model = Sequential([Linear(inFeatures: 2, outFeatures: 8, rng: &rng), ReLU(),
                                Linear(inFeatures: 8, outFeatures: 2, rng: &rng)])
        let x = Tensor(shape: [4, 2], data: [0, 0, 0, 1, 1, 0, 1, 1])
        let labels = [0, 1, 1, 0]
        let optimizer = Adam(parameters: model.parameters, learningRate: 0.05)
        var losses: [Float] = []
        for _ in 0..<300 {
            optimizer.zeroGrad()
            let loss = model(x).softmaxCrossEntropy(labels: labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item)
        }
        XCTAssertGreaterThan(losses[0], 0.5, "an untrained network cannot know XOR")
        XCTAssertLessThan(losses.last!, 0.05, "loss went from \(losses[0]) to \(losses.last!)")
        XCTAssertEqual(argmaxRows(withNoGrad { model(x) }), labels)
    }

    /// 8×8 images with one bar of length 5 (horizontal: class 0, vertical: class 1)
    /// at a random place, on Gaussian noise.
    private func bars(_ count: Int, rng: inout SeededRandom) -> (images: Tensor, labels: [Int]) {
        var pixels = [Float](repeating: 0, count: count * 64)
        var labels: [Int] = []
        for n in 0..<count {
            for i in 0..<64 { pixels[n * 64 + i] = 0.3 * rng.nextNormal() }
            let vertical = rng.nextInt(below: 2)
            let line = rng.nextInt(below: 8), start = rng.nextInt(below: 4)
            for t in start..<(start + 5) {
                let (row, col) = vertical == 1 ? (t, line) : (line, t)
                pixels[n * 64 + row * 8 + col] += 1
            }
            labels.append(vertical)
        }
        return (Tensor(shape: [count, 1, 8, 8], data: pixels), labels)
    }

    func testSmallCNNSeparatesHorizontalFromVerticalBars() {
        var rng = SeededRandom(seed: 62)
        let model = Sequential([Conv2D(inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1, rng: &rng), ReLU(),
                                MaxPool2D(kernel: 2), Flatten(), Linear(inFeatures: 64, outFeatures: 2, rng: &rng)])
        let train = bars(320, rng: &rng), test = bars(200, rng: &rng)
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.1, momentum: 0.9)
        let batch = 32
        var epochLosses: [Float] = []
        for _ in 0..<6 {
            var total: Float = 0
            let order = rng.permutation(train.labels.count)
            for b in 0..<(order.count / batch) {
                let index = Array(order[(b * batch)..<((b + 1) * batch)])
                var pixels: [Float] = []
                for i in index { pixels += train.images.data[(i * 64)..<((i + 1) * 64)] }
                optimizer.zeroGrad()
                let loss = model(Tensor(shape: [batch, 1, 8, 8], data: pixels)).softmaxCrossEntropy(labels: index.map { train.labels[$0] })
                loss.backward()
                optimizer.step()
                total += loss.item
            }
            epochLosses.append(total / Float(order.count / batch))
        }
        XCTAssertLessThan(epochLosses.last!, epochLosses.first! * 0.5, "epoch losses: \(epochLosses)")
        let predictions = argmaxRows(withNoGrad { model(test.images) })
        let accuracy = Double(zip(predictions, test.labels).filter { $0 == $1 }.count) / Double(test.labels.count)
        XCTAssertGreaterThanOrEqual(accuracy, 0.95, "held-out accuracy \(accuracy), epoch losses \(epochLosses)")
    }
}

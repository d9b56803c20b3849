import XCTest
@testable import Autograd

final class LayerTests: XCTestCase {
    func testConv2DLayerAppliesItsParametersWithPyTorchDefaults() {
        var rng = SeededRandom(seed: 41)
        let conv = Conv2D(inChannels: 3, outChannels: 4, kernelSize: 5, stride: 2, padding: 2, rng: &rng)
        XCTAssertEqual(conv.weight.shape, [4, 3, 5, 5])
        XCTAssertEqual(conv.bias?.shape, [4])
        let bound = Float(1 / 75.0.squareRoot())
        XCTAssertTrue(conv.parameters.allSatisfy { p in p.requiresGrad && p.data.allSatisfy { abs($0) <= bound } })
        XCTAssertGreaterThan(conv.weight.data.map(abs).max()!, bound * 0.9)
        XCTAssertEqual(conv.namedParameters.map(\.name), ["weight", "bias"])

        let x = Tensor.randn([2, 3, 9, 8], using: &rng)
        let y = conv(x)
        XCTAssertEqual(y.shape, [2, 4, 5, 4])
        XCTAssertEqual(y.data, x.conv2d(weight: conv.weight, bias: conv.bias, stride: 2, padding: 2).data)

        let noBias = Conv2D(inChannels: 1, outChannels: 2, kernelSize: 3, bias: false, rng: &rng)
        XCTAssertNil(noBias.bias)
        XCTAssertEqual(noBias.namedParameters.map(\.name), ["weight"])
    }

    func testLinearLayerMatchesTheOp() {
        var rng = SeededRandom(seed: 42)
        let fc = Linear(inFeatures: 10, outFeatures: 3, rng: &rng)
        XCTAssertEqual(fc.weight.shape, [3, 10])
        let bound = Float(1 / 10.0.squareRoot())
        XCTAssertTrue(fc.parameters.allSatisfy { p in p.data.allSatisfy { abs($0) <= bound } })
        let x = Tensor.randn([4, 10], using: &rng)
        XCTAssertEqual(fc(x).data, x.linear(weight: fc.weight, bias: fc.bias).data)
    }

    func testSameSeedBuildsTheSameModel() {
        func model(_ seed: UInt64) -> Sequential {
            var rng = SeededRandom(seed: seed)
            return Sequential([Conv2D(inChannels: 3, outChannels: 4, kernelSize: 3, rng: &rng), ReLU(),
                               Flatten(), Linear(inFeatures: 16, outFeatures: 2, rng: &rng)])
        }
        XCTAssertEqual(model(7).parameters.map(\.data), model(7).parameters.map(\.data))
        XCTAssertNotEqual(model(7).parameters.map(\.data), model(8).parameters.map(\.data))
    }

    func testStatelessLayersWrapTheirOps() {
        var rng = SeededRandom(seed: 43)
        let x = Tensor.randn([2, 3, 6, 6], using: &rng)
        XCTAssertEqual(ReLU()(x).data, x.relu().data)
        XCTAssertEqual(Flatten()(x).shape, [2, 108])
        XCTAssertEqual(MaxPool2D(kernel: 2)(x).data, x.maxPool2d(kernel: 2).data)
        XCTAssertEqual(MaxPool2D(kernel: 3, stride: 1)(x).shape, [2, 3, 4, 4])
        XCTAssertEqual(AvgPool2D(kernel: 3)(x).data, x.avgPool2d(kernel: 3).data)
        for layer in [ReLU(), Flatten(), MaxPool2D(kernel: 2), AvgPool2D(kernel: 2)] as [any Layer] {
            XCTAssertTrue(layer.namedParameters.isEmpty)
        }
    }

    func testSequentialRunsReluBeforeMaxPoolAsTheFusedOp() {
        var rng = SeededRandom(seed: 45)
        let model = Sequential(ReLU(), MaxPool2D(kernel: 2), ReLU(), Flatten())
        let x = Tensor.randn([2, 3, 8, 8], using: &rng, requiresGrad: true)
        let fused = model(x, upTo: 2)
        XCTAssertEqual(fused.op, "reluMaxPool2d")
        XCTAssertEqual(fused.data, x.relu().maxPool2d(kernel: 2).data)
        XCTAssertEqual(model(x, upTo: 1).op, "relu", "a prefix ending at the ReLU must not fuse")
        XCTAssertEqual(model.activations(x).map(\.op), ["relu", "maxPool2d", "relu", "reshape"])
        XCTAssertEqual(model(x).data, model.activations(x).last!.data)
    }

    func testSequentialNamesParametersLikeAStateDictAndRunsPrefixes() {
        var rng = SeededRandom(seed: 44)
        let conv1 = Conv2D(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, rng: &rng)
        let conv2 = Conv2D(inChannels: 4, outChannels: 2, kernelSize: 3, padding: 1, rng: &rng)
        let fc = Linear(inFeatures: 8, outFeatures: 3, rng: &rng)
        let model = Sequential([conv1, ReLU(), MaxPool2D(kernel: 2), conv2, ReLU(), MaxPool2D(kernel: 2), Flatten(), fc])
        XCTAssertEqual(model.namedParameters.map(\.name),
                       ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"])
        XCTAssertTrue(model.namedParameters[2].tensor === conv2.weight)
        XCTAssertEqual(model.parameters.count, 6)

        let nested = Sequential([Linear(inFeatures: 2, outFeatures: 2, rng: &rng), Sequential([ReLU(), fc])])
        XCTAssertEqual(nested.namedParameters.map(\.name), ["0.weight", "0.bias", "1.1.weight", "1.1.bias"])

        let x = Tensor.randn([2, 3, 8, 8], using: &rng)
        let features = model(x, upTo: 1)  // conv1's output
        XCTAssertEqual(features.data, conv1(x).data)
        XCTAssertEqual(model(x, upTo: 4).data, conv2(MaxPool2D(kernel: 2)(conv1(x).relu())).data)
        XCTAssertTrue(model(x, upTo: 0) === x)
        let outputs = model.activations(x)
        XCTAssertEqual(outputs.count, 8)
        XCTAssertEqual(outputs.last!.shape, [2, 3])
        XCTAssertEqual(outputs.last!.data, model(x).data)
        XCTAssertEqual(outputs[3].data, model(x, upTo: 4).data)
    }

    func testGradientsReachEveryParameterOfASequential() {
        var rng = SeededRandom(seed: 45)
        let model = Sequential([Conv2D(inChannels: 1, outChannels: 2, kernelSize: 3, padding: 1, rng: &rng), ReLU(),
                                AvgPool2D(kernel: 2), Flatten(), Linear(inFeatures: 8, outFeatures: 3, rng: &rng)])
        let x = Tensor.randn([2, 1, 4, 4], using: &rng)
        model(x).softmaxCrossEntropy(labels: [0, 2]).backward()
        for (name, p) in model.namedParameters {
            XCTAssertNotNil(p.grad, name)
            XCTAssertTrue(p.grad!.contains { $0 != 0 }, "\(name) got an all-zero gradient")
        }
        XCTAssertNil(x.grad)
    }
}

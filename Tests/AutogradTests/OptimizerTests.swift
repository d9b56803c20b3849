import TestSupport
import XCTest
import Foundation
@testable import Autograd

final class OptimizerTests: XCTestCase {
    // MARK: - SGD

    func testPlainSGDStep() {
        let p = Tensor(shape: [3], data: [1, -2, 0.5], requiresGrad: true)
        let sgd = SGD(parameters: [p], learningRate: 0.1)
        p.grad = [0.5, -1, 2]
        sgd.step()
        assertClose(p.data, [1 - 0.05, -2 + 0.1, 0.5 - 0.2], tolerance: 1e-6)
        XCTAssertEqual(sgd.stepCount, 1)
    }

    func testSGDMomentumAndWeightDecayOverTwoSteps() {
        // PyTorch: d = g + λp; b = μb + d (b₁ = d₁); p −= η·b.
        let (lr, mu, wd) = (0.1, 0.9, 0.01)
        let p = Tensor(shape: [2], data: [1, -1], requiresGrad: true)
        let sgd = SGD(parameters: [p], learningRate: Float(lr), momentum: Float(mu), weightDecay: Float(wd))
        var ref: [Double] = [1, -1], buf: [Double] = [0, 0]
        for grads in [[0.5, 0.25], [-0.3, 0.8]] as [[Double]] {
            p.grad = grads.map(Float.init)
            sgd.step()
            for k in 0..<2 {
                let d = grads[k] + wd * ref[k]
                buf[k] = mu * buf[k] + d
                ref[k] -= lr * buf[k]
            }
            assertClose(p.data, ref, tolerance: 1e-6)
        }
        assertClose(sgd.stateTensors()["momentum_buffer.0.0"]?.values ?? [], buf, tolerance: 1e-6)
    }

    func testNesterovMomentum() {
        let (lr, mu) = (0.05, 0.8)
        let p = Tensor(shape: [1], data: [2], requiresGrad: true)
        let sgd = SGD(groups: [ParameterGroup(parameters: [p], learningRate: Float(lr))], momentum: Float(mu), nesterov: true)
        var ref = 2.0, buf = 0.0
        for g in [1.0, -0.5, 0.25] {
            p.grad = [Float(g)]
            sgd.step()
            buf = mu * buf + g
            ref -= lr * (g + mu * buf)
            assertClose(p.data, [ref], tolerance: 1e-6)
        }
    }

    // MARK: - Adam / AdamW

    /// PyTorch's Adam/AdamW update in Double, for one element.
    private func adamReference(_ p: Double, grads: [Double], lr: Double, wd: Double, decoupled: Bool) -> [Double] {
        var (p, m, v) = (p, 0.0, 0.0)
        var trajectory: [Double] = []
        for (t, g0) in grads.enumerated() {
            let step = Double(t + 1)
            var g = g0
            if decoupled { p *= 1 - lr * wd } else { g += wd * p }
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            let mHat = m / (1 - pow(0.9, step)), vHat = v / (1 - pow(0.999, step))
            p -= lr * mHat / (vHat.squareRoot() + 1e-8)
            trajectory.append(p)
        }
        return trajectory
    }

    func testAdamMatchesTheFormulaOverThreeSteps() {
        let grads: [[Double]] = [[0.5, -2, 1e-3], [0.4, 1, -2e-3], [-0.1, 0.5, 5e-3]]
        let start: [Double] = [1, -0.5, 0.25]
        let p = Tensor(shape: [3], data: start.map(Float.init), requiresGrad: true)
        let adam = Adam(parameters: [p], learningRate: 0.01, weightDecay: 0.1)
        let expected = (0..<3).map { k in adamReference(start[k], grads: grads.map { $0[k] }, lr: 0.01, wd: 0.1, decoupled: false) }
        for t in 0..<3 {
            p.grad = grads[t].map(Float.init)
            adam.step()
            assertClose(p.data, (0..<3).map { expected[$0][t] }, tolerance: 2e-6, "Adam step \(t + 1)")
        }
        XCTAssertEqual(adam.stepCount, 3)
    }

    func testAdamWDecouplesTheDecay() {
        let grads: [[Double]] = [[0.5, -2], [0.4, 1]]
        let start: [Double] = [1, -0.5]
        let p = Tensor(shape: [2], data: start.map(Float.init), requiresGrad: true)
        let adamw = AdamW(parameters: [p], learningRate: 0.01, weightDecay: 0.5)
        let expected = (0..<2).map { k in adamReference(start[k], grads: grads.map { $0[k] }, lr: 0.01, wd: 0.5, decoupled: true) }
        for t in 0..<2 {
            p.grad = grads[t].map(Float.init)
            adamw.step()
            assertClose(p.data, (0..<2).map { expected[$0][t] }, tolerance: 2e-6, "AdamW step \(t + 1)")
        }
        // Decoupled and L2 decay must differ: with a zero gradient AdamW still shrinks p.
        let q = Tensor(shape: [1], data: [2], requiresGrad: true)
        let shrinking = AdamW(parameters: [q], learningRate: 0.1, weightDecay: 0.5)
        q.grad = [0]
        shrinking.step()
        XCTAssertEqual(q.data[0], 2 * 0.95, accuracy: 1e-6)
        XCTAssertEqual(AdamW(parameters: [q]).groups[0].weightDecay, 0.01)
    }

    // MARK: - Groups, skipping, zeroGrad

    func testEachGroupUsesItsOwnLearningRateAndDecay() {
        let a = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let b = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let sgd = SGD(groups: [ParameterGroup(parameters: [a], learningRate: 0.1, weightDecay: 0.5),
                               ParameterGroup(parameters: [b], learningRate: 0.01)])
        a.grad = [1, 1]; b.grad = [1, 1]
        sgd.step()
        assertClose(a.data, [1 - 0.1 * (1 + 0.5 * 1), 2 - 0.1 * (1 + 0.5 * 2)], tolerance: 1e-6)
        assertClose(b.data, [1 - 0.01, 2 - 0.01], tolerance: 1e-6)

        let c = Tensor(shape: [1], data: [3], requiresGrad: true)
        let d = Tensor(shape: [1], data: [3], requiresGrad: true)
        let adamw = AdamW(groups: [ParameterGroup(parameters: [c], learningRate: 0.1, weightDecay: 0.5),
                                   ParameterGroup(parameters: [d], learningRate: 0.1, weightDecay: 0)])
        c.grad = [0]; d.grad = [0]
        adamw.step()
        XCTAssertEqual(c.data[0], 3 * 0.95, accuracy: 1e-6)
        XCTAssertEqual(d.data[0], 3)

        // Learning rates can be changed between steps.
        sgd.groups[1].learningRate = 1
        b.grad = [1, 1]; a.grad = nil
        let before = a.data
        sgd.step()
        assertClose(b.data, [1 - 0.01 - 1, 2 - 0.01 - 1], tolerance: 1e-6)
        XCTAssertEqual(a.data, before, "a parameter without a gradient is left alone")
    }

    func testZeroGradForgetsEveryGradient() {
        let a = Tensor(shape: [1], data: [1], requiresGrad: true), b = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let adam = Adam(groups: [ParameterGroup(parameters: [a], learningRate: 1), ParameterGroup(parameters: [b], learningRate: 1)])
        a.grad = [1]; b.grad = [1, 1]
        adam.zeroGrad()
        XCTAssertNil(a.grad)
        XCTAssertNil(b.grad)
    }

    // MARK: - Checkpoints

    /// A deterministic stand-in for backprop: g = sin(3p) + 0.1·t.
    private func setGradients(_ params: [Tensor], step t: Int) {
        for p in params { p.grad = p.data.map { Float(Foundation.sin(3 * Double($0))) + 0.1 * Float(t) } }
    }

    func testSavedStateResumesBitIdentically() throws {
        let makers: [(String, ([ParameterGroup]) -> any Optimizer)] = [
            ("SGD", { SGD(groups: $0, momentum: 0.9) }),
            ("SGD nesterov", { SGD(groups: $0, momentum: 0.9, nesterov: true) }),
            ("Adam", { Adam(groups: $0) }),
            ("AdamW", { AdamW(groups: $0) }),
        ]
        for (name, make) in makers {
            var rng = SeededRandom(seed: 51)
            func params() -> [Tensor] { [Tensor.randn([3, 2], using: &rng).requiresGrad(true), Tensor.randn([4], using: &rng).requiresGrad(true)] }
            let original = params()
            func groups(_ p: [Tensor]) -> [ParameterGroup] {
                [ParameterGroup(parameters: [p[0]], learningRate: 0.05, weightDecay: 0.1),
                 ParameterGroup(parameters: [p[1]], learningRate: 0.02)]
            }
            let optimizer = make(groups(original))
            for t in 0..<3 { setGradients(original, step: t); optimizer.step() }

            // Checkpoint, then restore into fresh tensors and a fresh optimizer.
            let saved = optimizer.stateTensors()
            XCTAssertEqual(saved["step"]?.values, [3], name)
            let restored = original.map { Tensor(shape: $0.shape, data: $0.data, requiresGrad: true) }
            let resumed = make(groups(restored))
            try resumed.loadState(saved)
            XCTAssertEqual(resumed.stepCount, 3, name)

            for t in 3..<6 {
                setGradients(original, step: t); optimizer.step()
                setGradients(restored, step: t); resumed.step()
            }
            XCTAssertEqual(original.map(\.data), restored.map(\.data), "\(name): resumed run diverged")
            // And without the state, the run would differ (the test can fail).
            let cold = original.map { Tensor(shape: $0.shape, data: $0.data, requiresGrad: true) }
            let coldStart = make(groups(cold))
            setGradients(cold, step: 6); coldStart.step()
            setGradients(original, step: 6); optimizer.step()
            XCTAssertNotEqual(original.map(\.data), cold.map(\.data), "\(name): state made no difference")
        }
    }

    func testLoadingStateOfAnotherModelIsRefused() {
        let p = Tensor(shape: [2, 2], data: [1, 2, 3, 4], requiresGrad: true)
        let adam = Adam(parameters: [p])
        var state = adam.stateTensors()
        XCTAssertEqual(Set(state.keys), ["step", "exp_avg.0.0", "exp_avg_sq.0.0"])

        let sgd = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9)
        XCTAssertThrowsError(try sgd.loadState(state)) {
            XCTAssertEqual("\($0)", "SGD state: the checkpoint has no entry \"momentum_buffer.0.0\"; it was saved by another optimizer or model")
        }
        state["exp_avg_sq.0.0"] = ([4], [0, 0, 0, 0])
        XCTAssertThrowsError(try adam.loadState(state)) {
            XCTAssertEqual($0 as? OptimizerError,
                           .shapeMismatch(optimizer: "Adam", key: "exp_avg_sq.0.0", expected: [2, 2], found: [4]))
        }
        state["step"] = ([1], [2.5])
        XCTAssertThrowsError(try adam.loadState(state)) {
            XCTAssertEqual("\($0)", "Adam state: the step counter 2.5 is not a whole number of steps")
        }
        XCTAssertEqual(adam.stepCount, 0, "a refused checkpoint changes nothing")
    }
}

import XCTest
import Autograd  // not @testable: custom ops must work through the public API alone

final class CustomOpTests: XCTestCase {
    /// y = x³ · s (s a one-element scale), written as a custom op the way another module would.
    private func cubeTimes(_ x: Tensor, _ s: Tensor) -> Tensor {
        let scale = s.data[0]
        let out = x.data.map { $0 * $0 * $0 * scale }
        let xs = x.data
        return Tensor.custom(op: "cubeTimes", shape: x.shape, data: out, inputs: [x, s]) { g in
            var gx = [Float](repeating: 0, count: xs.count)
            var gs: Float = 0
            for i in xs.indices {
                gx[i] = g[i] * 3 * xs[i] * xs[i] * scale
                gs += g[i] * xs[i] * xs[i] * xs[i]
            }
            return [gx, [gs]]
        }
    }

    func testForwardAndGradcheckThroughBuiltInOps() {
        var rng = SeededRandom(seed: 3)
        let x = Tensor.randn([2, 3], using: &rng)
        let s = Tensor(shape: [1], data: [0.7])
        let y = cubeTimes(x, s)
        XCTAssertEqual(y.op, "cubeTimes")
        for i in x.data.indices { XCTAssertEqual(y.data[i], x.data[i] * x.data[i] * x.data[i] * 0.7, accuracy: 1e-6) }
        let result = gradcheck([x, s], elementwise: true) { t in (self.cubeTimes(t[0], t[1]) * t[0]).sum() }
        XCTAssertTrue(result.passed, result.description)
    }

    func testNoGraphWithoutGradients() {
        let x = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let s = Tensor(shape: [1], data: [1])
        XCTAssertTrue(cubeTimes(x, s).requiresGrad)
        XCTAssertFalse(withNoGrad { cubeTimes(x, s) }.requiresGrad)
        XCTAssertFalse(cubeTimes(x.detached(), s).requiresGrad)
    }

    func testNilGradientLeavesInputUntouched() {
        let x = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let y = Tensor.custom(op: "firstOnly", shape: [2], data: x.data, inputs: [x]) { _ in [nil] }
        y.sum().backward()
        XCTAssertNil(x.grad)
    }
}

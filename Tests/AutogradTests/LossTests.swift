import XCTest
@testable import Autograd

final class LossTests: XCTestCase {
    func testHandComputedValuesAndGradients() {
        let p = Tensor(shape: [2, 2], data: [1, 2, 3, 4], requiresGrad: true)
        let t = Tensor(shape: [2, 2], data: [0, 2, 5, 1], requiresGrad: true)
        // differences 1, 0, −2, 3
        let mse = mseLoss(p, t)
        XCTAssertEqual(mse.shape, [])
        XCTAssertEqual(mse.item, (1 + 0 + 4 + 9) / 4)
        mse.backward()
        XCTAssertEqual(p.grad, [0.5, 0, -1, 1.5])  // 2d/N
        XCTAssertEqual(t.grad, [-0.5, 0, 1, -1.5])
        p.zeroGrad(); t.zeroGrad()
        let l1 = l1Loss(p, t)
        XCTAssertEqual(l1.item, (1 + 0 + 2 + 3) / 4)
        l1.backward(seed: [2])
        XCTAssertEqual(p.grad, [0.5, 0, -0.5, 0.5])  // 2·sign(d)/N, and 0 where d = 0
        XCTAssertEqual(t.grad, [-0.5, 0, 0.5, -0.5])
    }

    func testOnlyOperandsThatNeedAGradientGetOne() {
        let p = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
        let t = Tensor(shape: [2], data: [0, 0])
        mseLoss(p, t).backward()
        XCTAssertEqual(p.grad, [1, 2])
        XCTAssertNil(t.grad)
    }

    func testGradients() {
        var rng = SeededRandom(seed: 61)
        for shape in [[1], [5], [2, 3], [2, 1, 3], [2, 2, 1, 2]] {
            let p = Tensor.randn(shape, using: &rng), t = Tensor.randn(shape, using: &rng)
            assertGradcheck([p, t], "mseLoss \(shape)") { mseLoss($0[0], $0[1]) }
            // Keep every difference at least 0.2 from the kink of |d|.
            for i in 0..<p.count where Swift.abs(p.data[i] - t.data[i]) < 0.2 { p.data[i] = t.data[i] + 0.3 }
            assertGradcheck([p, t], "l1Loss \(shape)") { l1Loss($0[0], $0[1]) }
        }
    }

    func testLargeInputsMatchADoubleLoop() {
        var rng = SeededRandom(seed: 62)
        let n = 150_001
        let p = Tensor.randn([n], using: &rng), t = Tensor.randn([n], using: &rng)
        var squared = 0.0, absolute = 0.0
        for i in 0..<n {
            let d = Double(p.data[i] - t.data[i])
            squared += d * d
            absolute += Swift.abs(d)
        }
        XCTAssertEqual(Double(mseLoss(p, t).item), squared / Double(n), accuracy: 1e-6)
        XCTAssertEqual(Double(l1Loss(p, t).item), absolute / Double(n), accuracy: 1e-6)
    }

    func testShapesMustMatchExactly() {
        XCTAssertThrowsError(try lossShapes([4, 1], [4], op: "mseLoss")) {
            XCTAssertEqual("\($0)", "mseLoss: prediction shape [4, 1] and target shape [4] differ; they must match exactly (no broadcasting)")
        }
        XCTAssertThrowsError(try lossShapes([2, 3], [3, 2], op: "l1Loss")) {
            XCTAssertEqual("\($0)", "l1Loss: prediction shape [2, 3] and target shape [3, 2] differ; they must match exactly (no broadcasting)")
        }
        XCTAssertNoThrow(try lossShapes([2, 3], [2, 3], op: "mseLoss"))
    }
}

import XCTest
import Autograd
@testable import Splatting

final class LossesImageLossTests: XCTestCase {
    private func randomImage(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor.uniform(shape, low: 0, high: 1, using: &rng)
    }

    /// A target that differs from `render` by 0.1…0.4 in every element (random sign), so L1
    /// has no kink within gradcheck's step.
    private func offsetTarget(_ render: Tensor, seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        let data = render.data.map { x -> Float in
            let step = 0.1 + 0.3 * rng.nextFloat()
            return rng.nextFloat() < 0.5 ? x - step : x + step
        }
        return Tensor(shape: render.shape, data: data)
    }

    // MARK: - PSNR

    func testPSNRByHand() {
        // Errors 0.1, 0, −0.1, 0 → MSE 0.005 → 10·log₁₀(200) = 23.0103 dB.
        let value = psnr([0, 0.5, 1, 0.25], [0.1, 0.5, 0.9, 0.25])
        XCTAssertEqual(value, 23.0103, accuracy: 1e-4)
        // Uniform error 0.5 → MSE 0.25 → 10·log₁₀(4) = 6.0206 dB.
        XCTAssertEqual(psnr([0.5, 0.5, 0.5], [0, 1, 0]), 6.0206, accuracy: 1e-4)
        XCTAssertEqual(psnr([0.3, 0.7], [0.3, 0.7]), .infinity)
        XCTAssertTrue(psnr([], []).isNaN)
    }

    // MARK: - The loss menu

    func testNamesAreTheCommandLineSpellings() {
        XCTAssertEqual(ImageLoss.allCases.map(\.rawValue), ["l2", "l1", "l1-ssim"])
        XCTAssertEqual(ImageLoss(rawValue: "l1-ssim"), .l1SSIM)
        XCTAssertEqual(ImageLoss.ssimWeight, 0.2)
    }

    func testEachLossMatchesItsFormula() {
        let render = randomImage([10, 9, 3], seed: 1)
        let target = randomImage([10, 9, 3], seed: 2)
        let n = Double(render.count)
        let squared = zip(render.data, target.data).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / n
        let absolute = zip(render.data, target.data).map { Double(abs($0 - $1)) }.reduce(0, +) / n
        let structure = ssimValue(render, target)
        XCTAssertEqual(Double(imageLoss(.l2, render: render, target: target).item), squared, accuracy: 1e-6)
        XCTAssertEqual(Double(imageLoss(.l1, render: render, target: target).item), absolute, accuracy: 1e-6)
        XCTAssertEqual(Double(imageLoss(.l1SSIM, render: render, target: target).item),
                       0.8 * absolute + 0.2 * (1 - structure), accuracy: 1e-6)
        for kind in ImageLoss.allCases {
            XCTAssertEqual(imageLoss(kind, render: render, target: render.detached()).item, 0, accuracy: 1e-6, "\(kind)")
        }
    }

    func testLossGradcheck() {
        let render = randomImage([9, 8, 3], seed: 3)
        let target = offsetTarget(render, seed: 4)
        for kind in ImageLoss.allCases {
            // Scaled by N so each element's derivative stands above gradcheck's floor.
            let result = gradcheck([render], elementwise: true) { t in
                imageLoss(kind, render: t[0], target: target) * Float(9 * 8 * 3)
            }
            XCTAssertTrue(result.passed, "\(kind): \(result)")
        }
    }

    func testL1SSIMFitImprovesARender() {
        // A few plain gradient steps on the render itself: the loss falls and PSNR rises.
        let target = randomImage([16, 16, 3], seed: 5)
        let render = Tensor.full([16, 16, 3], 0.5).requiresGrad(true)
        let startPSNR = psnr(render.data, target.data)
        var losses = [Float]()
        for _ in 0..<20 {
            render.zeroGrad()
            let loss = imageLoss(.l1SSIM, render: render, target: target)
            loss.backward()
            losses.append(loss.item)
            for i in render.data.indices { render.data[i] -= 50 * render.grad![i] }
        }
        XCTAssertLessThan(losses.last!, 0.5 * losses.first!, "\(losses)")
        XCTAssertGreaterThan(psnr(render.data, target.data), startPSNR + 3)
    }

    // MARK: - Speed (release: TRAINVIZ_BENCH=1 swift test -c release --filter LossesImageLossTests)

    func testSpeedOn256Image() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["TRAINVIZ_BENCH"] != nil,
                          "set TRAINVIZ_BENCH=1 (release build) to time the losses")
        MemoryTuning.applyTrainingDefaults()  // as `trainviz` does: no fresh mmap per buffer
        let target = randomImage([256, 256, 3], seed: 6)
        let render = randomImage([256, 256, 3], seed: 7).requiresGrad(true)
        func median(_ body: () -> Void) -> Double {
            var times = [Double]()
            for _ in 0..<15 {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            return times.sorted()[times.count / 2]
        }
        var checksum: Float = 0, structure: Float = 0
        for threads in [Parallelism.threads, 1] {
            let saved = Parallelism.threads
            Parallelism.threads = threads
            defer { Parallelism.threads = saved }
            let blurMS = median {
                render.zeroGrad()
                let y = gaussianBlur(render, sigma: 1.5, radius: 5)
                y.backward(seed: target.data)
                checksum += render.grad![100]
            }
            let ssimMS = median {
                render.zeroGrad()
                let s = ssim(render, target)
                s.backward()
                structure = s.item
            }
            let ssimUniformMS = median {
                render.zeroGrad()
                ssim(render, target, window: .uniform7).backward()
            }
            let lossMS = median {
                render.zeroGrad()
                imageLoss(.l1SSIM, render: render, target: target).backward()
            }
            print(String(format: "256×256×3, forward+backward, median of 15, %d thread(s): gaussianBlur %.2f ms, ssim gaussian11 %.2f ms, ssim uniform7 %.2f ms, l1-ssim loss %.2f ms",
                         threads, blurMS, ssimMS, ssimUniformMS, lossMS))
        }
        XCTAssertTrue(checksum.isFinite)
        XCTAssertLessThan(structure, 0.1)  // independent noise
        XCTAssertTrue(render.grad!.contains { $0 != 0 })
    }
}

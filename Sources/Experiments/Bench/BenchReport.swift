import Autograd
import Foundation

/// The figures `trainviz bench` prints; the JSON keys are documented in the README.
public struct BenchReport: Codable {
    /// Threads used by BLAS and the library's loops.
    public var threads: Int
    /// Whether this was a `--quick` run (fewer repeats and images: rougher figures).
    public var quick: Bool
    /// sgemm 2048³ through the project's wrapper, GFLOP/s.
    public var sgemmGflopsBest: Double
    public var sgemmGflopsMedian: Double
    /// conv2d at CNN-A's layer shapes, batch 64, median milliseconds.
    public var conv1ForwardMs: Double
    public var conv1ForwardBackwardMs: Double
    public var conv2ForwardMs: Double
    public var conv2ForwardBackwardMs: Double
    /// CNN-A training epoch on 10,000 images (median seconds over the timed epochs).
    public var cnnAEpochS: Double
    /// Every timed epoch, seconds.
    public var cnnAEpochSAll: [Double]
    /// Images timed per epoch (10,000 unless `--quick`, where the epoch time is scaled to 10,000).
    public var cnnAImages: Int
    /// Achieved GFLOP/s on CNN-A's ≈ 0.30 TFLOP per 10,000-image epoch.
    public var cnnAGflops: Double
    /// The Gabor analysis of one 7×7 kernel on one thread, median ms: white noise (the slow
    /// case: an untrained conv1 and every phase-randomised copy) and noisy Gabors.
    public var gaborNoiseMs: Double
    public var gaborMs: Double
    /// SPLAT-A (anisotropic RGB, MSE, Adam): N = 256, 1024, 4096 on a 256² target and
    /// N = 1024 on a 512² one, in that order (see `splatAWorkloads`).
    public var splatA: [SplatATiming]
    /// The SPLAT-A target: "test card" or the PNG's path.
    public var splatATarget: String

    enum CodingKeys: String, CodingKey {
        case threads, quick
        case sgemmGflopsBest = "sgemm_gflops_best", sgemmGflopsMedian = "sgemm_gflops_median"
        case conv1ForwardMs = "conv1_fwd_ms", conv1ForwardBackwardMs = "conv1_fwd_bwd_ms"
        case conv2ForwardMs = "conv2_fwd_ms", conv2ForwardBackwardMs = "conv2_fwd_bwd_ms"
        case cnnAEpochS = "cnn_a_epoch_s", cnnAEpochSAll = "cnn_a_epoch_s_all"
        case cnnAImages = "cnn_a_images", cnnAGflops = "cnn_a_gflops"
        case gaborNoiseMs = "gabor_noise_ms", gaborMs = "gabor_ms"
        case splatA = "splat_a", splatATarget = "splat_a_target"
    }

    /// SPLAT-A's workloads: (N, side, iterations in a full run). The reference figures (README, `trainviz bench`) quote PSNR after
    /// 2,000 iterations at N = 256 and 1024, after 500 at N = 4096.
    public static let splatAWorkloads = [(256, 256, 2000), (1024, 256, 2000), (4096, 256, 500), (1024, 512, 500)]

    /// The flat JSON key of a SPLAT-A figure: `splat_a_n1024_it_s`, `splat_a_512_n1024_psnr`, ….
    public static func splatAKey(gaussians: Int, size: Int, _ figure: String) -> String {
        "splat_a_\(size == 256 ? "" : "\(size)_")n\(gaussians)_\(figure)"
    }

    /// FLOPs of one CNN-A training epoch (forward + backward, no input gradient for conv1).
    public static let cnnAEpochFlops: Double = {
        let conv1 = 2.0 * 16 * (3 * 49) * 1024   // per image, forward
        let conv2 = 2.0 * 32 * (16 * 25) * 256
        let fc = 2.0 * 2048 * 64 + 2.0 * 64 * 6
        return 10_000 * (2 * conv1 + 3 * conv2 + 3 * fc)
    }()

    /// Runs every workload and collects the figures. `progress` receives one line per stage.
    /// - Parameter splatTarget: a PNG for SPLAT-A (resized to 256² and 512² working sizes,
    ///   longer side); nil draws the test card.
    public static func measure(quick: Bool, epochs: Int, splatTarget: String? = nil,
                               progress: (String) -> Void) throws -> BenchReport {
        let repeats = quick ? 3 : 10
        progress("sgemm 2048×2048 …")
        let gemm = Benchmarks.sgemm(size: 2048, repeats: repeats)
        progress("conv2d at CNN-A's shapes, batch 64 …")
        let c1 = Benchmarks.conv2d(input: [64, 3, 32, 32], weight: [16, 3, 7, 7], padding: 3,
                                   inputGradient: false, repeats: repeats)
        let c2 = Benchmarks.conv2d(input: [64, 16, 16, 16], weight: [32, 16, 5, 5], padding: 2,
                                   inputGradient: true, repeats: repeats)
        let images = quick ? 2_560 : 10_000
        progress("CNN-A training, \(epochs) epoch\(epochs == 1 ? "" : "s") of \(images) images …")
        let run = Benchmarks.cnnAEpochs(images: images, epochs: epochs)
        let scaled = run.seconds.map { $0 * 10_000 / Double(images) }
        let epoch = Benchmarks.median(scaled)
        progress("Gabor analysis of 7×7 kernels …")
        let gabor = Benchmarks.gaborAnalysis(repeats: quick ? 1 : 3)
        var splat: [SplatATiming] = []
        for (n, side, full) in splatAWorkloads {
            let iterations = quick ? 100 : full
            progress("SPLAT-A: \(n) Gaussians, \(side)² target, \(iterations) iterations …")
            var config = SplatConfig()
            config.target = splatTarget
            config.size = side
            config.color = .rgb
            let target = try SplatTarget.quantized(SplatTarget.load(config))
            splat.append(Benchmarks.splatA(target: target, gaussians: n, iterations: iterations))
        }
        return BenchReport(threads: Parallelism.threads, quick: quick,
                           sgemmGflopsBest: gemm.best, sgemmGflopsMedian: gemm.median,
                           conv1ForwardMs: c1.forwardMs, conv1ForwardBackwardMs: c1.forwardBackwardMs,
                           conv2ForwardMs: c2.forwardMs, conv2ForwardBackwardMs: c2.forwardBackwardMs,
                           cnnAEpochS: epoch, cnnAEpochSAll: scaled, cnnAImages: images,
                           cnnAGflops: cnnAEpochFlops / epoch / 1e9, gaborNoiseMs: gabor.noiseMs, gaborMs: gabor.gaborMs,
                           splatA: splat, splatATarget: splatTarget ?? "test card")
    }

    /// The figures as an aligned table, with the reference figures the project was handed beside them
    /// (PyTorch/JAX on another machine; the README's bench section has side-by-side ones).
    public var table: String {
        func row(_ name: String, _ value: String, _ reference: String) -> String {
            name.padding(toLength: 40, withPad: " ", startingAt: 0)
                + value.padding(toLength: 16, withPad: " ", startingAt: 0) + reference
        }
        let f = { (x: Double, d: Int) in String(format: "%.\(d)f", x) }
        let rows = [
            row("workload (\(threads) thread\(threads == 1 ? "" : "s")\(quick ? ", quick" : ""))", "figure", "reference (another machine, not this one)"),
            row("sgemm 2048³ best", f(sgemmGflopsBest, 1) + " GFLOP/s", "numpy/OpenBLAS 179 best, 155 median"),
            row("sgemm 2048³ median", f(sgemmGflopsMedian, 1) + " GFLOP/s", ""),
            row("conv1 3→16 7×7, batch 64: fwd", f(conv1ForwardMs, 2) + " ms", ""),
            row("conv1: fwd + bwd (no input grad)", f(conv1ForwardBackwardMs, 2) + " ms", ""),
            row("conv2 16→32 5×5, batch 64: fwd", f(conv2ForwardMs, 2) + " ms", ""),
            row("conv2: fwd + bwd", f(conv2ForwardBackwardMs, 2) + " ms", ""),
            row("CNN-A epoch, 10,000 images", f(cnnAEpochS, 2) + " s", "PyTorch 4.5 s, JAX 8.4 s"),
            row("CNN-A throughput", f(cnnAGflops, 1) + " GFLOP/s", "PyTorch ≈ 66 GFLOP/s"),
            row("Gabor analysis 7×7, 1 thread: noise", f(gaborNoiseMs, 2) + " ms/kernel", ""),
            row("  noisy Gabor", f(gaborMs, 2) + " ms/kernel", ""),
        ]
        return (rows + splatRows(row)).joined(separator: "\n")
    }

    /// SPLAT-A: iterations per second, then the PSNR reached and the Gaussian–pixel pairs
    /// evaluated per iteration beside N·H·W (what dense evaluation costs).
    private func splatRows(_ row: (String, String, String) -> String) -> [String] {
        let reference = [256: "JAX dense 6.8 it/s; 22.0 dB @ 2,000", 1024: "JAX dense 2.2 it/s; 27.6 dB @ 2,000",
                         4096: "JAX dense 0.72 it/s; 33.7 dB @ 500"]
        var rows = [row("SPLAT-A on \(splatATarget)", "", "")]
        for t in splatA {
            rows.append(row("  N=\(t.gaussians), \(t.size)²", String(format: "%.1f it/s", t.iterationsPerSecond),
                            t.size == 256 ? reference[t.gaussians] ?? "" : ""))
            let pairs = String(format: "%.2fM pairs/it (%.2fM at start) vs %.1fM dense", Double(t.pairsPerIteration) / 1e6,
                               Double(t.pairsPerIterationAtStart) / 1e6, Double(t.densePairs) / 1e6)
            rows.append(row("    PSNR @ \(t.iterations) it", String(format: "%.2f dB", t.psnr), pairs))
        }
        return rows
    }

    /// The SPLAT-A figures under flat keys (`splat_a_n1024_it_s`, `splat_a_n1024_psnr`,
    /// `splat_a_n1024_pairs`, `splat_a_512_n1024_it_s`, …), for scripts.
    public var splatAFlat: [String: Double] {
        var out: [String: Double] = [:]
        for t in splatA {
            out[BenchReport.splatAKey(gaussians: t.gaussians, size: t.size, "it_s")] = t.iterationsPerSecond
            out[BenchReport.splatAKey(gaussians: t.gaussians, size: t.size, "psnr")] = t.psnr
            out[BenchReport.splatAKey(gaussians: t.gaussians, size: t.size, "pairs")] = Double(t.pairsPerIteration)
        }
        return out
    }

    /// The figures as one JSON object (keys sorted), the SPLAT-A figures also under flat keys.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var object = (try? JSONSerialization.jsonObject(with: try! encoder.encode(self))) as? [String: Any] ?? [:]
        for (key, value) in splatAFlat { object[key] = value }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

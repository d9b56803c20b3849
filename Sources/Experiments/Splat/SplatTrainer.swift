import Autograd
import Foundation
import Imaging
import Splatting
import Storage

/// The numbers of one splat snapshot, as `metrics.csv` records them.
public struct SplatEpochMetrics: Equatable {
    public var epoch: Int
    /// Optimisation steps done so far.
    public var step: Int
    /// The training loss of the snapshot's parameters.
    public var loss: Double
    /// PSNR of the clipped render against the target, dB (peak 1).
    public var psnr: Double
    public var ssim: Double
    public var gaussians: Int
    /// Wall-clock seconds of the epoch's optimisation steps (0 for epoch 0).
    public var seconds: Double

    /// The row for `metrics.csv`.
    public var row: [String: Double] {
        Dictionary(uniqueKeysWithValues: SplatEpochMetrics.fields.map { ($0.column, $0.value(self)) })
    }

    /// Every `metrics.csv` column after `epoch`, in order, with its value: the one list the
    /// row and the header are both made from.
    static let fields: [(column: String, value: @Sendable (SplatEpochMetrics) -> Double)] = [
        ("step", { Double($0.step) }), ("loss", { $0.loss }), ("psnr", { $0.psnr }), ("ssim", { $0.ssim }),
        ("gaussians", { Double($0.gaussians) }), ("seconds", { $0.seconds }),
    ]

    /// `metrics.csv`'s columns (docs/DESIGN.md §2).
    public static let columns = ["epoch"] + fields.map(\.column)

    /// The one-line epoch summary printed during training.
    public func line(epochs: Int, stepsPerEpoch: Int) -> String {
        let rate = seconds > 0 ? String(format: "  %.0f steps/s", Double(stepsPerEpoch) / seconds) : ""
        return String(format: "epoch %2d/%d  loss %.5f  PSNR %.2f dB  SSIM %.3f  N %d  %.1fs", epoch, epochs, loss, psnr,
                      ssim, gaussians, seconds) + rate
    }
}

/// Fits a target image with 2D Gaussians by Adam and writes a snapshot per epoch
/// (docs/DESIGN.md §2).
///
/// Three parameter groups: means (px), shape (1/px) and colours, with the JAX reference's
/// learning rates (0.5 σ₀, 0.15/σ₀ and 0.05, σ₀ the initial σ) under a cosine decay to 5 %
/// over the run. Everything random derives from the seed and the step, so a resumed run
/// continues to the same numbers as one that never stopped.
public final class SplatTrainer {
    public let config: SplatConfig
    public let store: RunStore
    /// The target at its working size, rounded to 8-bit levels (as `target.png` holds it).
    public let target: Image
    let targetTensor: Tensor         // [H, W, C]
    var means: Tensor                // [N, 2]
    var shapeValues: Tensor          // [N, 1] or [N, 3]
    var colors: Tensor               // [N, C]
    let optimizer: Adam
    /// The initial σ of `config.gaussians` Gaussians, which sets the learning rates.
    let sigma0: Float
    let growth: SplatGrowth?
    /// The epoch the trainer has completed.
    public private(set) var epoch = 0
    /// Whether this trainer continues a run from its checkpoint.
    public private(set) var resumed = false
    /// Stops the run when its loss blows up (never below 0.01: an RMS error of 0.1 on [0, 1] pixels).
    private var divergence = DivergenceGuard(advice: "try a smaller --lr-scale", floor: 0.01)
    /// Receives the progress lines (one per epoch).
    public var log: (String) -> Void = { print($0) }
    /// Draws per-step progress (a terminal bar by default).
    public var showsProgress = true

    static let targetFileName = SplatRootFile.target

    /// The Gaussians as they are now.
    public var cloud: GaussianCloud {
        GaussianCloud(shape: config.shape, channels: target.channels, means: means.data, shapeValues: shapeValues.data,
                      colors: colors.data)
    }

    /// Optimisation steps done.
    public var step: Int { optimizer.stepCount }

    // MARK: - Starting and resuming

    /// Starts a new run in `runsFolder`: reads the target (before creating anything, so a
    /// bad file leaves no folder behind), writes `target.png` and places the Gaussians.
    /// - Throws: `TrainingError.invalidOption`, the PNG layer's `ImageError`, storage errors.
    public convenience init(config: SplatConfig, runsFolder: URL, name: String? = nil,
                            argv: [String] = CommandLine.arguments) throws {
        try config.validate()
        let target = SplatTarget.quantized(try SplatTarget.load(config))
        // More Gaussians than pixels cannot help and makes a tiny target diverge (they
        // push each other out of the image); the run records the count it used.
        var config = config
        config.gaussians = min(config.gaussians, target.width * target.height)
        let store = try RunStore.create(in: runsFolder, spec: .init(
            kind: RunKind.splat.rawValue, name: name, version: trainvizVersion, argv: argv, encoding: config, seed: config.seed,
            metricColumns: SplatEpochMetrics.columns, headline: RunKind.splat.headline,
            summary: TargetSummary(width: target.width, height: target.height, channels: target.channels,
                                   target: config.target ?? "test card")))
        do {
            try target.write(toPNG: store.folder.appendingPathComponent(SplatTrainer.targetFileName).path)
            let growth = config.grow ? SplatGrowth(budget: config.gaussians, totalSteps: config.totalSteps) : nil
            let cloud = SplatInitialization.cloud(for: target, count: growth?.initialCount ?? config.gaussians,
                                                  shape: config.shape, seed: config.seed)
            self.init(config: config, store: store, target: target, cloud: cloud, growth: growth)
        } catch {
            try? store.fail(error)
            throw error
        }
    }

    /// The target as the manifest's `summary` records it.
    private struct TargetSummary: Encodable {
        var width: Int
        var height: Int
        var channels: Int
        var target: String
    }

    /// Continues the run in `folder` from its checkpoint (the target is read from its `target.png`).
    public static func resume(_ folder: URL) throws -> SplatTrainer {
        try RunStore.resuming(folder, as: .splat) { store in
            let config = try store.manifest.config(as: SplatConfig.self)
            let target = try PNG.read(folder.appendingPathComponent(targetFileName).path)
            let (file, epoch) = try store.readCheckpoint()
            let c = target.channels, k = config.shape.parameterCount
            guard let m = file.tensors["gaussians.means"], let s = file.tensors["gaussians.shape"],
                  let col = file.tensors["gaussians.colors"], m.shape.count == 2, m.shape[1] == 2,
                  s.shape == [m.shape[0], k], col.shape == [m.shape[0], c] else {
                throw TrainingError.badRun("its checkpoint lacks Gaussians that match its configuration and target")
            }
            let cloud = GaussianCloud(shape: config.shape, channels: c, means: m.values, shapeValues: s.values, colors: col.values)
            let growth = config.grow ? SplatGrowth(budget: config.gaussians, totalSteps: config.totalSteps) : nil
            let trainer = SplatTrainer(config: config, store: store, target: target, cloud: cloud, growth: growth,
                                       sigma0: file.tensors["sigma0"]?.values.first)
            try trainer.optimizer.loadState(file.optimizerState)
            trainer.epoch = epoch
            trainer.resumed = true
            return (trainer, epoch)
        }
    }

    private init(config: SplatConfig, store: RunStore, target: Image, cloud: GaussianCloud, growth: SplatGrowth?,
                 sigma0: Float? = nil) {
        self.config = config
        self.store = store
        self.target = target
        self.growth = growth
        if let threads = config.threads { Parallelism.threads = threads }
        targetTensor = Tensor(shape: [target.height, target.width, target.channels], data: target.pixels)
        means = Tensor(shape: [cloud.count, 2], data: cloud.means, requiresGrad: true)
        shapeValues = Tensor(shape: [cloud.count, config.shape.parameterCount], data: cloud.shapeValues, requiresGrad: true)
        colors = Tensor(shape: [cloud.count, target.channels], data: cloud.colors, requiresGrad: true)
        // The budget's σ₀ sets the rates, also when growing (the final density is what they serve).
        self.sigma0 = sigma0 ?? SplatInitialization.initialSigma(count: config.gaussians, height: target.height, width: target.width)
        optimizer = Adam(groups: [
            ParameterGroup(parameters: [means], learningRate: 0),
            ParameterGroup(parameters: [shapeValues], learningRate: 0),
            ParameterGroup(parameters: [colors], learningRate: 0),
        ])
    }

    /// The base learning rates of the three groups (means, shape, colours).
    var baseLearningRates: [Float] {
        [0.5 * sigma0, 0.15 / sigma0, 0.05].map { $0 * config.learningRateScale }
    }

    /// Cosine decay from the base rates to 5 % of them over the run, a pure function of the step.
    private func setLearningRates(step: Int) {
        let t = Double(step) / Double(max(config.totalSteps, 1))
        let factor = Float(0.05 + 0.95 * 0.5 * (1 + cos(Double.pi * min(t, 1))))
        for (g, rate) in baseLearningRates.enumerated() { optimizer.groups[g].learningRate = rate * factor }
    }

    // MARK: - Training

    /// Runs the remaining epochs, writing a snapshot and checkpoint after each; stops
    /// early (abandoning the epoch in progress) when an interrupt is requested, or after
    /// `lastEpoch` (the run is then marked interrupted, ready for `resume`). The run root
    /// receives the final `render.png` (at `renderScale` × the working size) and `gaussians.csv`.
    /// - Returns: the metrics of every epoch this call completed.
    @discardableResult
    public func run(interrupts: InterruptMonitor? = nil, stoppingAfter lastEpoch: Int? = nil) throws -> [SplatEpochMetrics] {
        var results: [SplatEpochMetrics] = []
        do {
            if !resumed {
                let metrics = try snapshot(seconds: 0)
                results.append(metrics)
            }
            while epoch < min(config.epochs, lastEpoch ?? config.epochs) {
                if interrupts?.isRequested == true { break }
                guard let seconds = try trainEpoch(epoch + 1, interrupts: interrupts) else { break }
                epoch += 1
                results.append(try snapshot(seconds: seconds))
            }
            try writeFinalFiles()
            try store.finishTraining(epoch: epoch, of: config.epochs, signal: interrupts?.receivedSignal)
        } catch {
            try? store.fail(error)
            throw error
        }
        return results
    }

    /// One epoch of optimisation steps; nil if interrupted part-way.
    private func trainEpoch(_ epoch: Int, interrupts: InterruptMonitor?) throws -> Double? {
        var progress = ProgressBar(total: config.stepsPerEpoch, unit: "steps", enabled: showsProgress && ProgressBar.isTerminal)
        let start = Date()
        for s in 0..<config.stepsPerEpoch {
            if interrupts?.isRequested == true {
                progress.clear()
                return nil
            }
            if let growth, let round = growth.roundSteps.firstIndex(of: step) { try grow(round: round, plan: growth) }
            setLearningRates(step: step)
            optimizer.zeroGrad()
            let render = rasterizeGaussians(means: means, shape: shapeValues, colors: colors,
                                            height: target.height, width: target.width)
            let loss = imageLoss(config.loss, render: render, target: targetTensor)
            try divergence.check(Double(loss.item), epoch: epoch, step: step + 1)
            if s == config.stepsPerEpoch - 1, !render.data.contains(where: { $0 != 0 }) {
                throw TrainingError.emptyRender(epoch: epoch, advice: "try a smaller --lr-scale")
            }
            loss.backward()
            optimizer.step()
            progress.update(s + 1, prefix: String(format: "epoch %2d ", epoch))
        }
        progress.clear()
        return Date().timeIntervalSince(start)
    }

    /// One densification round: prune, then add Gaussians where the error is largest up to
    /// the round's count, carrying every kept Gaussian's Adam moments along.
    private func grow(round: Int, plan: SplatGrowth) throws {
        let (h, w) = (target.height, target.width)
        let current = cloud
        let kept = SplatGrowth.keptIndices(current, height: h, width: w)
        let render = current.subset(kept).render(height: h, width: w)
        let add = max(0, min(plan.targetCount(round: round), plan.budget) - kept.count)
        var rng = SeededRandom(seed: config.seed &+ 0x6A09_E667 &+ UInt64(round))
        let sigma = SplatInitialization.initialSigma(count: plan.budget, height: h, width: w)
        let next = current.subset(kept).appending(
            SplatGrowth.newGaussians(count: add, target: target, render: render, shape: config.shape, sigma: sigma, rng: &rng))
        let state = optimizer.stateTensors()
        setCloud(next)
        // The new cloud's gradient, for the new Gaussians' second moments.
        optimizer.zeroGrad()
        imageLoss(config.loss, render: rasterizeGaussians(means: means, shape: shapeValues, colors: colors,
                                                          height: h, width: w), target: targetTensor).backward()
        let gradients = [0: means.grad, 1: shapeValues.grad, 2: colors.grad].compactMapValues { $0 }
        try optimizer.loadState(SplatGrowth.remapAdamState(state, kept: kept, newCount: next.count, gradients: gradients))
        optimizer.zeroGrad()
    }

    /// Replaces the parameter tensors (and the optimizer's references to them).
    private func setCloud(_ cloud: GaussianCloud) {
        means = Tensor(shape: [cloud.count, 2], data: cloud.means, requiresGrad: true)
        shapeValues = Tensor(shape: [cloud.count, config.shape.parameterCount], data: cloud.shapeValues, requiresGrad: true)
        colors = Tensor(shape: [cloud.count, target.channels], data: cloud.colors, requiresGrad: true)
        optimizer.groups[0].parameters = [means]
        optimizer.groups[1].parameters = [shapeValues]
        optimizer.groups[2].parameters = [colors]
    }

    // MARK: - Measuring

    /// Loss, PSNR and SSIM of the current Gaussians, with their render `[H, W, C]`.
    func evaluate() -> (loss: Double, psnr: Double, ssim: Double, render: [Float]) {
        withNoGrad {
            let render = rasterizeGaussians(means: means, shape: shapeValues, colors: colors,
                                            height: target.height, width: target.width)
            let loss = Double(imageLoss(config.loss, render: render, target: targetTensor).item)
            let clipped = render.data.map { min(max($0, 0), 1) }
            let clippedTensor = Tensor(shape: render.shape, data: clipped)
            return (loss, Splatting.psnr(clipped, target.pixels), Double(ssimValue(clippedTensor, targetTensor)), render.data)
        }
    }

    // MARK: - Snapshots and checkpoints

    private func snapshot(seconds: Double) throws -> SplatEpochMetrics {
        let (loss, psnr, ssim, render) = evaluate()
        let metrics = SplatEpochMetrics(epoch: epoch, step: step, loss: loss, psnr: psnr, ssim: ssim,
                                        gaussians: means.shape[0], seconds: seconds)
        let cloud = self.cloud
        try store.writeSnapshot(epoch: epoch, metrics: metrics.row) { folder in
            try SplatSnapshot(target: target, render: render, cloud: cloud, metrics: metrics).write(to: folder)
        }
        try store.writeCheckpoint(checkpointTensors(), epoch: epoch)
        log(metrics.line(epochs: config.epochs, stepsPerEpoch: config.stepsPerEpoch))
        return metrics
    }

    /// The Gaussians (`gaussians.*`), the optimizer state (`optimizer.<key>`) and σ₀.
    func checkpointTensors() throws -> [String: NDArray] {
        var tensors: [String: NDArray] = [
            "gaussians.means": try NDArray(shape: means.shape, values: means.data),
            "gaussians.shape": try NDArray(shape: shapeValues.shape, values: shapeValues.data),
            "gaussians.colors": try NDArray(shape: colors.shape, values: colors.data),
            "sigma0": try NDArray(shape: [1], values: [sigma0]),
        ]
        for (key, entry) in optimizer.stateTensors() {
            tensors["optimizer.\(key)"] = try NDArray(shape: entry.shape, values: entry.values)
        }
        return tensors
    }

    /// The root's `render.png` at `renderScale` × the working size (means × s, L / s) and
    /// `gaussians.csv`.
    private func writeFinalFiles() throws {
        let s = config.renderScale
        let (w, h) = (max(1, Int((Double(target.width) * s).rounded())), max(1, Int((Double(target.height) * s).rounded())))
        let cloud = self.cloud
        let big = cloud.scaled(by: Float(Double(w) / Double(target.width)))
        let render = Image(width: w, height: h, channels: target.channels, pixels: big.render(height: h, width: w))
        try render.clamped().write(toPNG: store.folder.appendingPathComponent(SplatRootFile.render).path)
        try store.writeFile(Data(cloud.csv.utf8), named: SplatRootFile.gaussiansCSV)
    }
}

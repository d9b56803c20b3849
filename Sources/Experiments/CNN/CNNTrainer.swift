import Autograd
import Foundation
import Storage

/// The numbers of one epoch, as `metrics.csv` records them.
public struct CNNEpochMetrics {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testAccuracy: Double
    public var testLoss: Double
    public var gabor: GaborSummary
    /// Each kernel against phase-randomised copies of itself; computed for the first and the
    /// last epoch only (it costs eight extra fits per kernel).
    public var control: PhaseControl?
    /// Wall-clock seconds of the epoch's training pass (0 for epoch 0).
    public var seconds: Double

    /// The row for `metrics.csv`.
    public var row: [String: Double] {
        Dictionary(uniqueKeysWithValues: CNNEpochMetrics.fields.map { ($0.column, $0.value(self)) })
    }

    /// Every `metrics.csv` column after `epoch`, in order (docs/DESIGN.md §2's first), with its
    /// value: the one list the row and the header are both made from. The phase control runs at
    /// the first and last epoch only; elsewhere `control_beaten` is NaN.
    static let fields: [(column: String, value: @Sendable (CNNEpochMetrics) -> Double)] = [
        ("train_loss", { $0.trainLoss }), ("train_acc", { $0.trainAccuracy }), ("test_acc", { $0.testAccuracy }),
        ("gabor_r2_median", { $0.gabor.r2Median }), ("gabor_r2_iqr", { $0.gabor.r2IQR }),
        ("osi_median", { $0.gabor.osiMedian }), ("gabor_frac", { $0.gabor.gaborFraction }), ("seconds", { $0.seconds }),
        ("test_loss", { $0.testLoss }), ("colour_index_median", { $0.gabor.colourIndexMedian }),
        ("orientation_resultant", { $0.gabor.spread.resultant }),
        ("orientation_bins", { Double($0.gabor.spread.binsCovered) }),
        ("weak_filters", { Double($0.gabor.spread.weak.count) }),
        ("control_beaten", { m in m.control.map { Double($0.kernels.filter(\.beatsControl).count) } ?? .nan }),
    ]

    /// `metrics.csv`'s columns.
    public static let columns = ["epoch"] + fields.map(\.column)
}

/// Trains CNN-A on the synthetic shapes and writes a snapshot per epoch (docs/DESIGN.md §2).
///
/// The data are drawn from the seed in memory; epoch e's batch order comes from
/// `(seed, e)`, so a resumed run continues to the same numbers as one that never stopped.
public final class CNNTrainer {
    public let config: CNNConfig
    public let store: RunStore
    /// The network being trained.
    public let model: CNNA
    let optimizer: any Optimizer
    let train: ShapesDataset
    let test: ShapesDataset
    let statistics: ChannelStatistics
    /// The first snapshot's conv1 weights, for "before vs after" panels.
    var initialConv1: [Float]
    /// The epoch the model has completed.
    public private(set) var epoch = 0
    /// Whether this trainer continues a run from its checkpoint (so epoch 0 is on disk).
    public private(set) var resumed = false
    /// Receives the progress lines (one per epoch).
    public var log: (String) -> Void = { print($0) }
    /// Draws per-batch progress (a terminal bar by default).
    public var showsProgress = true
    /// Stops the run when its loss blows up.
    private var divergence = DivergenceGuard(advice: "try a smaller --lr")
    /// Seconds this `run` spent evaluating on the test set.
    private var testSeconds = 0.0

    // MARK: - Starting and resuming

    /// Starts a new run in `runsFolder`.
    public convenience init(config: CNNConfig, runsFolder: URL, name: String? = nil,
                            argv: [String] = CommandLine.arguments) throws {
        try config.validate()
        let model = CNNTrainer.makeModel(config)
        let store = try RunStore.create(in: runsFolder, spec: .init(
            kind: RunKind.cnn.rawValue, name: name, version: trainvizVersion, argv: argv, encoding: config, seed: config.seed,
            metricColumns: CNNEpochMetrics.columns, headline: RunKind.cnn.headline,
            summary: CNNTrainer.modelSummary(model, config: config)))
        try self.init(config: config, store: store, model: model)
    }

    /// Continues the run in `folder` from its checkpoint.
    public static func resume(_ folder: URL) throws -> CNNTrainer {
        try RunStore.resuming(folder, as: .cnn) { store in
            let config = try store.manifest.config(as: CNNConfig.self)
            let trainer = try CNNTrainer(config: config, store: store, model: makeModel(config))
            let (file, epoch) = try store.readCheckpoint()
            try trainer.load(file)
            trainer.epoch = epoch
            trainer.resumed = true
            return (trainer, epoch)
        }
    }

    private init(config: CNNConfig, store: RunStore, model: CNNA) throws {
        self.config = config
        self.store = store
        self.model = model
        if let threads = config.threads { Parallelism.threads = threads }
        var train = ShapesGenerator.generate(count: config.trainSize, seed: config.seed, size: config.imageSize, gray: config.gray)
        var test = ShapesGenerator.generate(count: config.testSize, seed: config.seed &+ 0x7E57_5E7, size: config.imageSize,
                                            gray: config.gray)
        config.retina.apply(to: &train)
        config.retina.apply(to: &test)
        statistics = ChannelStatistics(of: train)
        statistics.normalise(&train)
        statistics.normalise(&test)
        self.train = train
        self.test = test
        optimizer = CNNTrainer.makeOptimizer(config, model: model)
        initialConv1 = model.conv1.weight.data
    }

    static func makeModel(_ config: CNNConfig) -> CNNA {
        var rng = SeededRandom(seed: config.seed)
        let model = CNNA(inputChannels: config.gray ? 1 : 3, filters: config.filters, kernelSize: config.kernel,
                         inputSize: config.imageSize, rng: &rng)
        if config.conv1InitScale != 1 {
            let weight = model.conv1.weight
            for i in weight.data.indices { weight.data[i] *= config.conv1InitScale }
        }
        return model
    }

    /// Two parameter groups: conv1's weights with the first-layer decay, everything else
    /// with the other decay.
    static func makeOptimizer(_ config: CNNConfig, model: CNNA) -> any Optimizer {
        let first = model.conv1.weight
        let rest = model.network.parameters.filter { $0 !== first }
        let lr = config.effectiveLearningRate
        let groups = [
            ParameterGroup(parameters: [first], learningRate: lr, weightDecay: config.effectiveWeightDecay),
            ParameterGroup(parameters: rest, learningRate: lr, weightDecay: config.effectiveOtherDecay),
        ]
        switch config.optimizer {
        case .adamw: return AdamW(groups: groups)
        case .adam: return Adam(groups: groups)
        case .sgd: return SGD(groups: groups, momentum: 0.9)
        }
    }

    // MARK: - Training

    /// Runs the remaining epochs, writing a snapshot and checkpoint after each; stops
    /// early (after finishing the snapshot in progress) when an interrupt is requested,
    /// or after `lastEpoch` (the run is then marked interrupted, ready for `resume`).
    /// - Returns: the metrics of every epoch this call completed.
    @discardableResult
    public func run(interrupts: InterruptMonitor? = nil, stoppingAfter lastEpoch: Int? = nil) throws -> [CNNEpochMetrics] {
        var results: [CNNEpochMetrics] = []
        do {
            var trainingSeconds = 0.0, snapshotSeconds = 0.0
            testSeconds = 0
            if !resumed {
                let start = Date()
                let metrics = evaluate(epoch: 0, trainLoss: nil, trainAccuracy: nil, seconds: 0)
                try snapshot(metrics)
                results.append(metrics)
                snapshotSeconds += Date().timeIntervalSince(start)
            }
            while epoch < min(config.epochs, lastEpoch ?? config.epochs) {
                if interrupts?.isRequested == true { break }
                guard let (loss, accuracy, seconds) = try trainEpoch(epoch + 1, interrupts: interrupts) else { break }
                epoch += 1
                trainingSeconds += seconds
                let start = Date()
                let metrics = evaluate(epoch: epoch, trainLoss: loss, trainAccuracy: accuracy, seconds: seconds)
                try snapshot(metrics)
                results.append(metrics)
                snapshotSeconds += Date().timeIntervalSince(start)
            }
            if trainingSeconds > 0 {
                let snapshots = snapshotSeconds - testSeconds
                log(String(format: "          training %.1f s; Gabor fits and snapshots %.1f s more (%.0f %%), test evaluation %.1f s",
                           trainingSeconds, snapshots, 100 * snapshots / trainingSeconds, testSeconds))
            }
            try store.finishTraining(epoch: epoch, of: config.epochs, signal: interrupts?.receivedSignal)
        } catch {
            try? store.fail(error)
            throw error
        }
        return results
    }

    /// One pass over the shuffled training set; nil if interrupted part-way.
    private func trainEpoch(_ epoch: Int, interrupts: InterruptMonitor?) throws -> (Double, Double, Double)? {
        var rng = SeededRandom(seed: config.seed &+ UInt64(epoch) &* 0xD1B5_4A32_D192_ED03)
        let order = rng.permutation(train.count)
        let batches = (train.count + config.batch - 1) / config.batch
        var progress = ProgressBar(total: batches, unit: "batches", enabled: showsProgress && ProgressBar.isTerminal)
        var lossSum = 0.0, correct = 0
        let start = Date()
        for b in 0..<batches {
            if interrupts?.isRequested == true {
                progress.clear()
                return nil
            }
            let indices = Array(order[(b * config.batch)..<min((b + 1) * config.batch, train.count)])
            let poses = config.augment ? indices.map { _ in Int(rng.next() % 8) } : nil
            let (images, labels) = batch(train, indices, poses: poses)
            setLearningRate(step: (epoch - 1) * batches + b, totalSteps: config.epochs * batches)
            optimizer.zeroGrad()
            let logits = model(images)
            let loss = logits.softmaxCrossEntropy(labels: labels)
            try divergence.check(Double(loss.item), epoch: epoch, step: (epoch - 1) * batches + b + 1)
            loss.backward()
            optimizer.step()
            lossSum += Double(loss.item) * Double(indices.count)
            correct += zip(logits.argmax(axis: 1), labels).filter { $0 == $1 }.count
            progress.update(b + 1, prefix: String(format: "epoch %2d ", epoch))
        }
        progress.clear()
        let seconds = Date().timeIntervalSince(start)
        return (lossSum / Double(train.count), Double(correct) / Double(train.count), seconds)
    }

    /// Sets every group's learning rate for global step `step` of `totalSteps`: constant,
    /// or cosine-annealed from the base rate to zero (a pure function of the step, so a
    /// resumed run follows the same schedule).
    private func setLearningRate(step: Int, totalSteps: Int) {
        let base = config.effectiveLearningRate
        let factor: Float
        switch config.schedule {
        case .constant: factor = 1
        case .cosine: factor = 0.5 * (1 + Float(cos(Double.pi * Double(step) / Double(max(totalSteps, 1)))))
        }
        let warmupSteps = config.warmupEpochs * totalSteps / max(config.epochs, 1)
        let warmup = step < warmupSteps ? Float(step + 1) / Float(warmupSteps) : 1
        for g in optimizer.groups.indices { optimizer.groups[g].learningRate = base * factor * warmup }
        optimizer.groups[0].learningRate *= config.conv1LearningRateScale  // group 0 is conv1's weights
    }

    /// Gathers images `indices` of `data` into a batch tensor `[n, C, S, S]`, image j in
    /// dihedral pose `poses[j]` (0 = as drawn; see `Dihedral`) when poses are given.
    func batch(_ data: ShapesDataset, _ indices: [Int], poses: [Int]? = nil) -> (Tensor, [Int]) {
        let stride = data.imageStride, side = data.size, plane = side * side
        var values = [Float](repeating: 0, count: indices.count * stride)
        values.withUnsafeMutableBufferPointer { dst in
            data.images.withUnsafeBufferPointer { src in
                for (j, i) in indices.enumerated() {
                    let from = src.baseAddress! + i * stride, to = dst.baseAddress! + j * stride
                    if let pose = poses?[j], pose != 0 {
                        for c in 0..<data.channels {
                            Dihedral.copy(from + c * plane, to: to + c * plane, side: side, pose: pose)
                        }
                    } else {
                        to.update(from: from, count: stride)
                    }
                }
            }
        }
        return (Tensor(shape: [indices.count, data.channels, data.size, data.size], data: values),
                indices.map { data.labels[$0] })
    }

    /// Loss and accuracy over a data set (or its first `limit` images), without gradients.
    func evaluate(_ data: ShapesDataset, limit: Int? = nil) -> (loss: Double, accuracy: Double) {
        let count = min(limit ?? data.count, data.count)
        var lossSum = 0.0, correct = 0
        withNoGrad {
            var start = 0
            while start < count {
                let indices = Array(start..<min(start + 256, count))
                let (images, labels) = batch(data, indices)
                let logits = model(images)
                lossSum += Double(logits.softmaxCrossEntropy(labels: labels).item) * Double(indices.count)
                correct += zip(logits.argmax(axis: 1), labels).filter { $0 == $1 }.count
                start += indices.count
            }
        }
        return (lossSum / Double(max(count, 1)), Double(correct) / Double(max(count, 1)))
    }

    private func evaluate(epoch: Int, trainLoss: Double?, trainAccuracy: Double?, seconds: Double) -> CNNEpochMetrics {
        let testStart = Date()
        let testResult = evaluate(test)
        testSeconds += Date().timeIntervalSince(testStart)
        // Epoch 0 has no training pass: measure the untrained net on part of the training set.
        let trainResult = trainLoss == nil ? evaluate(train, limit: 2_000) : (trainLoss!, trainAccuracy!)
        let gabor = GaborSummary(kernels: model.conv1.weight, fitter: GaborFitter())
        let control = epoch == 0 || epoch == config.epochs
            ? PhaseControl(summary: gabor, size: config.kernel, seed: config.seed &+ 0xC0_47_01, fitter: GaborFitter())
            : nil
        return CNNEpochMetrics(epoch: epoch, trainLoss: trainResult.0, trainAccuracy: trainResult.1,
                               testAccuracy: testResult.accuracy, testLoss: testResult.loss, gabor: gabor,
                               control: control, seconds: seconds)
    }

    // MARK: - Snapshots and checkpoints

    private func snapshot(_ metrics: CNNEpochMetrics) throws {
        // A run resumed from before a column existed keeps its own columns.
        let row = metrics.row.filter { store.metricColumns.contains($0.key) }
        try store.writeSnapshot(epoch: metrics.epoch, metrics: row) { folder in
            try CNNSnapshot(trainer: self, metrics: metrics).write(to: folder)
        }
        try store.writeCheckpoint(checkpointTensors(), epoch: metrics.epoch)
        log(metrics.line(epochs: config.epochs))
        if let control = metrics.control {
            let beating = control.kernels.filter(\.beatsControl).count
            log("          phase control: \(beating) of \(control.kernels.count) kernels fit a Gabor better than "
                + "the 95th percentile of \(control.copies) phase-randomised copies of themselves")
        }
    }

    /// Parameters (`model.<name>`), optimizer state (`optimizer.<key>`) and the first
    /// snapshot's conv1 (`initial.conv1`).
    func checkpointTensors() throws -> [String: NDArray] {
        var tensors: [String: NDArray] = [:]
        for (name, tensor) in model.network.namedParameters {
            tensors["model.\(name)"] = try NDArray(shape: tensor.shape, values: tensor.data)
        }
        for (key, entry) in optimizer.stateTensors() {
            tensors["optimizer.\(key)"] = try NDArray(shape: entry.shape, values: entry.values)
        }
        tensors["initial.conv1"] = try NDArray(shape: model.conv1.weight.shape, values: initialConv1)
        return tensors
    }

    private func load(_ file: SafeTensorsFile) throws {
        for (name, tensor) in model.network.namedParameters {
            guard let saved = file.tensors["model.\(name)"], saved.shape == tensor.shape else {
                throw TrainingError.badRun("its checkpoint lacks a matching '\(name)'")
            }
            tensor.data = saved.values
        }
        try optimizer.loadState(file.optimizerState)
        if let initial = file.tensors["initial.conv1"] { initialConv1 = initial.values }
    }
}

extension ProgressBar {
    /// Whether standard error is a terminal.
    public static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

extension CNNEpochMetrics {
    /// The one-line epoch summary printed during training.
    public func line(epochs: Int) -> String {
        let spread = gabor.spread
        let resultant = spread.resultant.isNaN ? "  - " : String(format: "%.2f", spread.resultant)
        return String(format: "epoch %2d/%d  loss %.4f  train %.3f  test %.3f  R² %.2f  OSI %.2f  %3.0f%% gabor  "
                      + "orient %@ %d bins  %d weak  %.1fs",
                      epoch, epochs, trainLoss, trainAccuracy, testAccuracy, gabor.r2Median, gabor.osiMedian,
                      100 * gabor.gaborFraction, resultant, spread.binsCovered, spread.weak.count, seconds)
    }
}

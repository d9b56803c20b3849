import ArgumentParser
import Experiments
import Foundation
import Storage

extension Retina: ExpressibleByArgument {}

/// `trainviz cnn`: train CNN-A on synthetic shapes and watch the first layer become Gabor-like.
struct CNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: RunKind.cnn.rawValue,
        abstract: "Train a small CNN on synthetic shapes; snapshot and measure its first-layer kernels every epoch."
    )

    @Option(help: "Training epochs (passes over the training set).")
    var epochs: Int = 20
    @Option(help: "Seed for the data, the initial weights and the batch order.")
    var seed: UInt64 = 0
    @Option(help: "Folder that holds the run folders.")
    var runs: String = "Runs"
    @Option(help: "A name appended to the run folder's name.")
    var name: String?
    @Option(name: .customLong("train-size"), help: "Synthetic training images.")
    var trainSize: Int = 10_000
    @Option(name: .customLong("test-size"), help: "Synthetic test images.")
    var testSize: Int = 2_000
    @Option(help: "Images per batch.")
    var batch: Int = 64
    @Option(help: "Optimizer: sgd (momentum 0.9), adamw or adam.")
    var optimizer: String = "sgd"
    @Option(help: "Learning rate (default: 2e-3 for adamw, 1e-3 for adam, 1e-2 for sgd).")
    var lr: Float?
    @Option(name: .customLong("weight-decay"),
            help: "Weight decay of the first layer (default: 0.1 for sgd, 0.05 with --retina none; 1 (decoupled) for adamw; 0 for adam).")
    var weightDecay: Float?
    @Option(name: .customLong("other-decay"), help: "Weight decay of the other layers (default: 5e-4 for sgd, 0.05 for adamw, 0 for adam).")
    var otherDecay: Float?
    @Option(help: "Learning-rate schedule: cosine (anneal to zero) or constant.")
    var schedule: String = "cosine"
    @Option(name: .customLong("warmup-epochs"), help: "Epochs over which the learning rate ramps up from zero.")
    var warmupEpochs: Int = 0
    @Option(help: "First-layer kernel size (odd).")
    var kernel: Int = 7
    @Option(help: "First-layer filters (the second layer has twice as many).")
    var filters: Int = 16
    @Flag(help: "Train on gray images instead of RGB.")
    var gray = false
    @Option(name: .customLong("conv1-init-scale"), help: "Factor on conv1's initial random weights (below 1: start nearer zero).")
    var conv1InitScale: Float = 1
    @Option(name: .customLong("conv1-lr-scale"), help: "Factor on conv1's learning rate.")
    var conv1LrScale: Float = 1
    @Flag(inversion: .prefixedNo, help: "Show each training image in a random one of its 8 mirror/rotation poses.")
    var augment = true
    @Option(help: ArgumentHelp("The input stage in front of conv1. centre-surround removes each image's flat colour and low frequencies, so the kernels spread "
                               + "over orientations; none shows them collapse onto one.", valueName: "stage"))
    var retina: Retina = .centreSurround
    @Option(help: "Threads for BLAS and the library's loops (default: all cores).")
    var threads: Int?
    @Option(help: "Continue the run in this folder from its last checkpoint (other options are taken from it).")
    var resume: String?

    var config: CNNConfig {
        get throws {
            var c = CNNConfig()
            c.epochs = epochs
            c.seed = seed
            c.trainSize = trainSize
            c.testSize = testSize
            c.batch = batch
            guard let kind = OptimizerKind(rawValue: optimizer.lowercased()) else {
                throw ValidationError("Unknown optimizer '\(optimizer)': choose adamw, adam or sgd.")
            }
            c.optimizer = kind
            c.learningRate = lr
            c.weightDecay = weightDecay
            c.otherDecay = otherDecay
            guard let plan = LearningRateSchedule(rawValue: schedule.lowercased()) else {
                throw ValidationError("Unknown schedule '\(schedule)': choose cosine or constant.")
            }
            c.schedule = plan
            c.warmupEpochs = warmupEpochs
            c.kernel = kernel
            c.filters = filters
            c.gray = gray
            c.threads = threads
            c.conv1InitScale = conv1InitScale
            c.conv1LearningRateScale = conv1LrScale
            c.augment = augment
            c.retina = retina
            return c
        }
    }

    func validate() throws {
        do {
            try config.validate()
        } catch let error as CNNError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let interrupts = InterruptMonitor.shared
        interrupts.install()
        let trainer: CNNTrainer
        if let resume {
            trainer = try CNNTrainer.resume(URL(fileURLWithPath: resume))
            print("Resuming \(trainer.store.folder.path) after epoch \(trainer.epoch) of \(trainer.config.epochs).")
        } else {
            let config = try config
            trainer = try CNNTrainer(config: config, runsFolder: URL(fileURLWithPath: runs), name: name)
            print(CNNTrainer.modelSummary(trainer.model, config: config).text)
            print("Run folder: \(trainer.store.folder.path)")
        }
        try trainer.run(interrupts: interrupts)
        if let signal = interrupts.receivedSignal {
            print("Interrupted by \(InterruptMonitor.signalName(signal)) after epoch \(trainer.epoch); "
                  + "continue with: trainviz cnn --resume \(trainer.store.folder.path)")
            Foundation.exit(InterruptMonitor.exitStatus(for: signal))
        }
        print("Done: \(trainer.store.folder.path)")
    }
}

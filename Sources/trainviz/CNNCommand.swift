import ArgumentParser
import Experiments
import Foundation
import Storage

/// `trainviz cnn`: train CNN-A on synthetic shapes and watch the first layer become Gabor-like.
struct CNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: RunKind.cnn.rawValue,
        abstract: "Train a small CNN on synthetic shapes; snapshot and measure its first-layer kernels every epoch."
    )

    @Option(help: "Training epochs (passes over the training set).")
    var epochs: Int = CNNConfig().epochs
    @Option(name: .customLong("train-size"), help: "Synthetic training images.")
    var trainSize: Int = CNNConfig().trainSize
    @Option(name: .customLong("test-size"), help: "Synthetic test images.")
    var testSize: Int = CNNConfig().testSize
    @Option(help: "Images per batch.")
    var batch: Int = CNNConfig().batch
    @Option(help: "Optimizer (sgd uses momentum 0.9).")
    var optimizer: OptimizerKind = CNNConfig().optimizer
    @Option(help: "Learning rate (default: 2e-3 for adamw, 1e-3 for adam, 1e-2 for sgd).")
    var lr: Float?
    @Option(name: .customLong("weight-decay"),
            help: "Weight decay of the first layer (default: 0.1 for sgd, 0.05 with --retina none; 1 (decoupled) for adamw; 0 for adam).")
    var weightDecay: Float?
    @Option(name: .customLong("other-decay"), help: "Weight decay of the other layers (default: 5e-4 for sgd, 0.05 for adamw, 0 for adam).")
    var otherDecay: Float?
    @Option(help: "Learning-rate schedule: cosine anneals to zero over the run.")
    var schedule: LearningRateSchedule = CNNConfig().schedule
    @Option(name: .customLong("warmup-epochs"), help: "Epochs over which the learning rate ramps up from zero.")
    var warmupEpochs: Int = CNNConfig().warmupEpochs
    @Option(help: "First-layer kernel size (odd, 3 to 15).")
    var kernel: Int = CNNConfig().kernel
    @Option(help: "First-layer filters (the second layer has twice as many).")
    var filters: Int = CNNConfig().filters
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
    var retina: Retina = CNNConfig().retina
    @OptionGroup var options: RunOptions

    var config: CNNConfig {
        get {
            var c = CNNConfig()
            c.epochs = epochs
            c.seed = options.seed
            c.trainSize = trainSize
            c.testSize = testSize
            c.batch = batch
            c.optimizer = optimizer
            c.learningRate = lr
            c.weightDecay = weightDecay
            c.otherDecay = otherDecay
            c.schedule = schedule
            c.warmupEpochs = warmupEpochs
            c.kernel = kernel
            c.filters = filters
            c.gray = gray
            c.threads = options.threads
            c.conv1InitScale = conv1InitScale
            c.conv1LearningRateScale = conv1LrScale
            c.augment = augment
            c.retina = retina
            return c
        }
    }

    func validate() throws {
        try validating { try config.validate() }
    }

    func run() throws {
        try train("cnn", options: options) {
            let trainer = try CNNTrainer(config: config, runsFolder: options.runsFolder, name: options.name)
            print(CNNTrainer.modelSummary(trainer.model, config: config).text)
            return trainer
        }
    }
}

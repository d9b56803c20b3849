import Storage

/// The optimizers `trainviz cnn` offers.
public enum OptimizerKind: String, CaseIterable, Sendable {
    case adamw, adam, sgd
}

/// How the learning rate changes over a run.
public enum LearningRateSchedule: String, CaseIterable, Sendable {
    /// The base rate throughout.
    case constant
    /// Cosine annealing from the base rate to zero over all steps.
    case cosine
}

/// Everything that determines a `trainviz cnn` run (docs/DESIGN.md §1).
///
/// The default recipe — the centre-surround retina in front of conv1, SGD with momentum 0.9
/// at lr 0.01, cosine-annealed, weight decay 0.1 on the first layer's weights and 5e-4
/// elsewhere, batch 64, every training image in a random mirror/rotation pose — is the one
/// that, of those measured on these synthetic shapes over five seeds, gave a Gabor *bank*
/// (oriented kernels at several orientations, few weak filters) on every seed at test
/// accuracy ≥ 0.98; the README records the measurements.
public struct CNNConfig: Equatable, Sendable {
    public var epochs = 20
    public var seed: UInt64 = 0
    public var trainSize = 10_000
    public var testSize = 2_000
    public var batch = 64
    public var optimizer = OptimizerKind.sgd
    /// Learning rate; `nil` takes the optimizer's default (`defaultLearningRate`).
    public var learningRate: Float?
    /// Weight decay of the first layer; `nil` takes the optimizer's default.
    public var weightDecay: Float?
    /// Weight decay of every other layer.
    public var otherDecay: Float?
    /// How the learning rate evolves.
    public var schedule = LearningRateSchedule.cosine
    /// Epochs over which the learning rate ramps linearly from 0 up to the schedule's value
    /// (0: no warm-up). The first steps see the largest gradients; ramping keeps SGD with
    /// momentum from overshooting there.
    public var warmupEpochs = 0
    /// conv1's kernel side (odd, 3 to 15).
    public var kernel = 7
    /// conv1's output channels (conv2 has twice as many).
    public var filters = 16
    /// Train on one luminance channel instead of RGB.
    public var gray = false
    /// Threads for BLAS and the library's loops; `nil` uses every core.
    public var threads: Int?
    /// Image side of the synthetic data (a multiple of 4).
    public var imageSize = 32
    /// Factor on conv1's initial (PyTorch-default) weights: below 1 the kernels start
    /// closer to zero, so what they become is learned from the data rather than left
    /// over from the random start.
    public var conv1InitScale: Float = 1
    /// Factor on the learning rate of conv1's weights (the schedule applies on top).
    public var conv1LearningRateScale: Float = 1
    /// Show each training image in one of its 8 mirror/rotation (dihedral) poses, drawn
    /// per image and epoch: the shape classes do not change under them, so this is more
    /// data for free (and what lets the stronger first-layer decay keep its accuracy).
    public var augment = true
    /// The input stage in front of conv1 (see `Retina`): centre-surround by default;
    /// `.none` shows the one-orientation collapse the raw shapes cause.
    public var retina = Retina.centreSurround

    public init() {}

    /// The learning rate in force.
    public var effectiveLearningRate: Float {
        learningRate ?? [.adamw: 2e-3, .adam: 1e-3, .sgd: 1e-2][optimizer]!
    }

    /// The first layer's weight decay in force. SGD's default depends on the retina: 0.1 behind
    /// a retina (measured over five seeds, README), 0.05 on the images as drawn (the recipe
    /// from before the retina, so `--retina none` reproduces that run).
    public var effectiveWeightDecay: Float {
        weightDecay ?? [.adamw: 1, .adam: 0, .sgd: retina == .none ? 0.05 : 0.1][optimizer]!
    }

    /// The other layers' weight decay in force.
    public var effectiveOtherDecay: Float {
        otherDecay ?? [.adamw: 0.05, .adam: 0, .sgd: 5e-4][optimizer]!
    }

    /// Checks every field, naming the first bad one in a sentence for the user.
    public func validate() throws {
        func positive(_ value: Int, _ flag: String) throws {
            guard value > 0 else { throw TrainingError.invalidOption("--\(flag) must be a positive whole number, not \(value).") }
        }
        try positive(epochs, "epochs")
        try positive(trainSize, "train-size")
        try positive(testSize, "test-size")
        try positive(batch, "batch")
        try positive(filters, "filters")
        // 1×1 has no spatial structure to measure (the Gabor analysis needs at least 2×2).
        guard kernel >= 3, kernel % 2 == 1, kernel <= 15 else {
            throw TrainingError.invalidOption("--kernel must be an odd size from 3 to 15, not \(kernel).")
        }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw TrainingError.invalidOption("--lr must be a positive number, not \(learningRate).")
        }
        for (value, flag) in [(weightDecay, "weight-decay"), (otherDecay, "other-decay")] {
            if let value, !(value >= 0 && value.isFinite) {
                throw TrainingError.invalidOption("--\(flag) must be zero or a positive number, not \(value).")
            }
        }
        if let threads { try positive(threads, "threads") }
        guard warmupEpochs >= 0, warmupEpochs <= epochs else {
            throw TrainingError.invalidOption("--warmup-epochs must be from 0 to the number of epochs (\(epochs)), not \(warmupEpochs).")
        }
        for (value, flag) in [(conv1InitScale, "conv1-init-scale"), (conv1LearningRateScale, "conv1-lr-scale")] {
            guard value > 0, value.isFinite else {
                throw TrainingError.invalidOption("--\(flag) must be a positive number, not \(value).")
            }
        }
        guard epochs <= 9999 else { throw TrainingError.invalidOption("--epochs can be at most 9999, not \(epochs).") }
    }
}

// MARK: - run.json

extension CNNConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case epochs, seed, batch, optimizer, schedule, kernel, filters, gray, threads, augment, retina
        case trainSize = "train_size", testSize = "test_size", learningRate = "lr", weightDecay = "weight_decay"
        case otherDecay = "other_decay", warmupEpochs = "warmup_epochs", imageSize = "image_size"
        case conv1InitScale = "conv1_init_scale", conv1LearningRateScale = "conv1_lr_scale"
    }

    /// The configuration as the manifest records it (defaults resolved). Floats are
    /// written as their shortest decimal form (0.002, not 0.0020000000949949026), which
    /// reads back to the same `Float`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(Int(truncatingIfNeeded: seed), forKey: .seed)
        try c.encode(trainSize, forKey: .trainSize)
        try c.encode(testSize, forKey: .testSize)
        try c.encode(batch, forKey: .batch)
        try c.encode(optimizer.rawValue, forKey: .optimizer)
        try c.encodeDecimal(effectiveLearningRate, forKey: .learningRate)
        try c.encodeDecimal(effectiveWeightDecay, forKey: .weightDecay)
        try c.encodeDecimal(effectiveOtherDecay, forKey: .otherDecay)
        try c.encode(schedule.rawValue, forKey: .schedule)
        try c.encode(warmupEpochs, forKey: .warmupEpochs)
        try c.encode(kernel, forKey: .kernel)
        try c.encode(filters, forKey: .filters)
        try c.encode(gray, forKey: .gray)
        try c.encodeOrNull(threads, forKey: .threads)
        try c.encode(imageSize, forKey: .imageSize)
        try c.encodeDecimal(conv1InitScale, forKey: .conv1InitScale)
        try c.encodeDecimal(conv1LearningRateScale, forKey: .conv1LearningRateScale)
        try c.encode(augment, forKey: .augment)
        try c.encode(retina.rawValue, forKey: .retina)
    }

    /// Rebuilds a configuration from a manifest's `config` object (for `--resume`), with the
    /// defaults that reproduce runs written before an option existed.
    /// - Throws: `TrainingError.badRun` naming the first unusable member.
    public init(from decoder: Decoder) throws {
        let reader = try ConfigReader(decoder, keyedBy: CodingKeys.self)
        func optional<T: Decodable>(_ type: T.Type, _ key: CodingKeys) -> T? { reader.optional(type, key) }
        func int(_ key: CodingKeys) throws -> Int { try reader.int(key) }
        func float(_ key: CodingKeys) throws -> Float { try reader.float(key) }
        self.init()
        epochs = try int(.epochs)
        seed = UInt64(truncatingIfNeeded: try int(.seed))
        trainSize = try int(.trainSize)
        testSize = try int(.testSize)
        batch = try int(.batch)
        guard let kind = optional(String.self, .optimizer).flatMap(OptimizerKind.init(rawValue:)) else {
            throw TrainingError.badRun("its run.json names no known optimizer")
        }
        optimizer = kind
        learningRate = try float(.learningRate)
        weightDecay = try float(.weightDecay)
        otherDecay = try float(.otherDecay)
        schedule = optional(String.self, .schedule).flatMap(LearningRateSchedule.init(rawValue:)) ?? .constant
        warmupEpochs = optional(Int.self, .warmupEpochs) ?? 0
        kernel = try int(.kernel)
        filters = try int(.filters)
        gray = optional(Bool.self, .gray) ?? false
        threads = optional(Int.self, .threads)
        imageSize = optional(Int.self, .imageSize) ?? 32
        conv1InitScale = optional(Double.self, .conv1InitScale).map(Float.init) ?? 1
        conv1LearningRateScale = optional(Double.self, .conv1LearningRateScale).map(Float.init) ?? 1
        // Runs from before augmentation existed trained without it.
        augment = optional(Bool.self, .augment) ?? false
        // Runs from before the retina stage saw the images as drawn.
        if let name = optional(String.self, .retina) {
            guard let stage = Retina(rawValue: name) else { throw TrainingError.badRun("its run.json names no known retina '\(name)'") }
            retina = stage
        } else {
            retina = .none
        }
    }
}

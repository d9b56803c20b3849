import Splatting
import Storage

/// Which channels `trainviz splat` fits.
public enum SplatColorMode: String, CaseIterable, Sendable {
    /// Follow the target: a gray PNG gives one intensity per Gaussian, anything else RGB.
    case auto
    /// One intensity per Gaussian; an RGB target is reduced to its luminance.
    case gray
    /// An RGB colour per Gaussian; a gray target is copied into three channels.
    case rgb
}

/// Everything that determines a `trainviz splat` run (docs/DESIGN.md §1).
///
/// The defaults — 4,096 anisotropic RGB Gaussians, L2 loss, 20 epochs of 100 Adam steps
/// with per-parameter learning rates that scale with the initial σ and a cosine decay to
/// 5 % — fit a 256² photo recognisably after the first epoch (about a second) and finish
/// in well under a minute on two cores: measured on chelsea, 33.6 dB after epoch 1 and
/// 38.6 dB at the end, 16 s in all with snapshots. Half as many Gaussians reach only
/// 34.5 dB for nearly the same time: the rasterizer's cost follows the Gaussians'
/// footprint (N × σ²), which shrinks as N grows, more than their number.
public struct SplatConfig: Equatable, Sendable {
    /// The PNG to fit; nil fits the project's test card.
    public var target: String?
    /// The Gaussian budget (with `grow`, the most there may ever be).
    public var gaussians = 4096
    public var epochs = 20
    /// Optimisation steps per epoch (one snapshot per epoch).
    public var stepsPerEpoch = 100
    /// The working size: the target is resized so that its longer side has this many
    /// pixels. nil: a target larger than 256 px is shrunk to 256, a smaller one is kept
    /// as it is (upscaling only adds interpolated pixels to fit). The test card is drawn
    /// at this size (256 when nil).
    public var size: Int?
    public var shape = GaussianShape.anisotropic
    public var color = SplatColorMode.auto
    public var loss = ImageLoss.l2
    /// Error-guided densification: start with about a third of the budget and add
    /// Gaussians where the error is largest in 16 rounds over the first 60 % of the
    /// steps, pruning vanished or degenerate ones (`SplatGrowth`).
    public var grow = false
    public var seed: UInt64 = 0
    /// The final root `render.png` is drawn at this multiple of the working size.
    public var renderScale: Double = 1
    /// Threads for the library's loops; nil uses every core.
    public var threads: Int?
    /// Multiplies every default learning rate (1 = the reference recipe).
    public var learningRateScale: Float = 1

    /// The longer side a target is shrunk to when `size` is not given.
    public static let defaultMaximumSize = 256

    public init() {}

    /// Steps over the whole run.
    public var totalSteps: Int { epochs * stepsPerEpoch }

    /// Checks every field, naming the first bad one in a sentence for the user.
    public func validate() throws {
        func positive(_ value: Int, _ flag: String) throws {
            guard value > 0 else { throw TrainingError.invalidOption("--\(flag) must be a positive whole number, not \(value).") }
        }
        try positive(gaussians, "gaussians")
        try positive(epochs, "epochs")
        try positive(stepsPerEpoch, "steps-per-epoch")
        if let size { try positive(size, "size") }
        if let threads { try positive(threads, "threads") }
        guard epochs <= 9999 else { throw TrainingError.invalidOption("--epochs can be at most 9999, not \(epochs).") }
        guard totalSteps <= 1 << 24 else {
            throw TrainingError.invalidOption("--epochs × --steps-per-epoch can be at most 16,777,216 steps, not \(totalSteps).")
        }
        guard gaussians <= 1 << 20 else {
            throw TrainingError.invalidOption("--gaussians can be at most 1,048,576, not \(gaussians).")
        }
        if let size, size > 8192 { throw TrainingError.invalidOption("--size can be at most 8192 pixels, not \(size).") }
        guard renderScale > 0, renderScale.isFinite else {
            throw TrainingError.invalidOption("--render-scale must be a positive number, not \(renderScale).")
        }
        guard renderScale <= 16 else { throw TrainingError.invalidOption("--render-scale can be at most 16, not \(renderScale).") }
        guard learningRateScale > 0, learningRateScale.isFinite else {
            throw TrainingError.invalidOption("--lr-scale must be a positive number, not \(learningRateScale).")
        }
    }
}

// MARK: - run.json

extension SplatConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case target, gaussians, epochs, size, shape, color, loss, grow, seed, threads
        case stepsPerEpoch = "steps_per_epoch", renderScale = "render_scale", learningRateScale = "lr_scale"
    }

    /// The configuration as the manifest records it (`lr_scale` as its shortest decimal).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeOrNull(target, forKey: .target)
        try c.encode(gaussians, forKey: .gaussians)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(stepsPerEpoch, forKey: .stepsPerEpoch)
        try c.encodeOrNull(size, forKey: .size)
        try c.encode(shape.rawValue, forKey: .shape)
        try c.encode(color.rawValue, forKey: .color)
        try c.encode(loss.rawValue, forKey: .loss)
        try c.encode(grow, forKey: .grow)
        try c.encode(Int(truncatingIfNeeded: seed), forKey: .seed)
        try c.encodeFinite(renderScale, forKey: .renderScale)
        try c.encodeOrNull(threads, forKey: .threads)
        try c.encodeDecimal(learningRateScale, forKey: .learningRateScale)
    }

    /// Rebuilds a configuration from a manifest's `config` object (for `--resume`).
    /// - Throws: `TrainingError.badRun` naming the first unusable member.
    public init(from decoder: Decoder) throws {
        let reader = try ConfigReader(decoder, keyedBy: CodingKeys.self)
        func optional<T: Decodable>(_ type: T.Type, _ key: CodingKeys) -> T? { reader.optional(type, key) }
        func int(_ key: CodingKeys) throws -> Int { try reader.int(key) }
        self.init()
        target = optional(String.self, .target)
        gaussians = try int(.gaussians)
        epochs = try int(.epochs)
        stepsPerEpoch = try int(.stepsPerEpoch)
        size = optional(Int.self, .size)
        guard let shape = optional(String.self, .shape).flatMap(GaussianShape.init(rawValue:)),
              let color = optional(String.self, .color).flatMap(SplatColorMode.init(rawValue:)),
              let loss = optional(String.self, .loss).flatMap(ImageLoss.init(rawValue:)) else {
            throw TrainingError.badRun("its run.json names no known shape, colour mode or loss")
        }
        self.shape = shape
        self.color = color
        self.loss = loss
        grow = optional(Bool.self, .grow) ?? false
        seed = UInt64(truncatingIfNeeded: try int(.seed))
        renderScale = optional(Double.self, .renderScale) ?? 1
        threads = optional(Int.self, .threads)
        learningRateScale = Float(optional(Double.self, .learningRateScale) ?? 1)
    }
}

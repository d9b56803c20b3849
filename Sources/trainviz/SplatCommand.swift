import ArgumentParser
import Experiments
import Foundation
import Imaging
import Splatting
import Storage

/// `trainviz splat`: fit an image with 2D Gaussians and watch them move, stretch and recolour.
struct SplatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: RunKind.splat.rawValue,
        abstract: "Fit a PNG (or the built-in test card) with 2D Gaussians by gradient descent; snapshot every epoch.",
        discussion: """
            The image is the plain sum of the Gaussians (no alpha, no sorting). Each epoch writes \
            render.png, error.png, gaussians.png and gaussians.csv under the run folder's epochs/.
            """
    )

    @Argument(help: "The PNG to fit (default: the test card, drawn at --size).")
    var target: String?
    @Option(help: "Number of Gaussians (with --grow: the most there may be).")
    var gaussians: Int = SplatConfig().gaussians
    @Option(help: "Epochs (one snapshot each).")
    var epochs: Int = SplatConfig().epochs
    @Option(name: .customLong("steps-per-epoch"), help: "Optimisation steps per epoch.")
    var stepsPerEpoch: Int = SplatConfig().stepsPerEpoch
    @Option(help: "Working size: the target is resized so its longer side has this many pixels (default: at most 256, never enlarged).")
    var size: Int?
    @Option(help: "Gaussian shape: anisotropic (full covariance) or isotropic (one scale).")
    var shape: GaussianShape = SplatConfig().shape
    @Option(help: "Channels: auto follows the target.")
    var color: SplatColorMode = SplatConfig().color
    @Option(help: "Loss: l1-ssim is 0.8·L1 + 0.2·(1 − SSIM).")
    var loss: ImageLoss = SplatConfig().loss
    @Flag(help: "Start with about a third of the Gaussians and add more where the error is largest (never more than --gaussians).")
    var grow = false
    @Option(name: .customLong("render-scale"), help: "The final render.png is drawn at this multiple of the working size.")
    var renderScale: Double = 1
    @Option(name: .customLong("lr-scale"), help: "Multiplies every learning rate (1 = the default recipe).")
    var lrScale: Float = 1
    @OptionGroup var options: RunOptions

    var config: SplatConfig {
        get {
            var c = SplatConfig()
            c.target = target
            c.gaussians = gaussians
            c.epochs = epochs
            c.stepsPerEpoch = stepsPerEpoch
            c.size = size
            c.shape = shape
            c.color = color
            c.loss = loss
            c.grow = grow
            c.seed = options.seed
            c.renderScale = renderScale
            c.learningRateScale = lrScale
            c.threads = options.threads
            return c
        }
    }

    func validate() throws {
        try validating { try config.validate() }
    }

    func run() throws {
        try train("splat", options: options) {
            let config = self.config
            let trainer = try SplatTrainer(config: config, runsFolder: options.runsFolder, name: options.name)
            if trainer.config.gaussians < config.gaussians {
                print("The target has only \(trainer.config.gaussians) pixels: using \(trainer.config.gaussians) Gaussians, not \(config.gaussians).")
            }
            let t = trainer.target
            print("Target: \(config.target ?? "test card") at \(t.width)×\(t.height), \(t.channels == 1 ? "gray" : "RGB"); "
                  + "\(config.grow ? "up to " : "")\(trainer.config.gaussians) \(config.shape.rawValue) Gaussians, "
                  + "\(config.epochs) epochs × \(config.stepsPerEpoch) steps, \(config.loss.rawValue) loss")
            return trainer
        }
    }
}

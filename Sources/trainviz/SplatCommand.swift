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
    var shape: String = SplatConfig().shape.rawValue
    @Option(help: "Channels: auto (follow the target), gray or rgb.")
    var color: String = SplatConfig().color.rawValue
    @Option(help: "Loss: l2, l1 or l1-ssim.")
    var loss: String = SplatConfig().loss.rawValue
    @Flag(help: "Start with about a third of the Gaussians and add more where the error is largest (never more than --gaussians).")
    var grow = false
    @Option(help: "Seed for the initial Gaussians and the densification.")
    var seed: UInt64 = 0
    @Option(help: "Folder that holds the run folders.")
    var runs: String = "Runs"
    @Option(help: "A name appended to the run folder's name.")
    var name: String?
    @Option(name: .customLong("render-scale"), help: "The final render.png is drawn at this multiple of the working size.")
    var renderScale: Double = 1
    @Option(name: .customLong("lr-scale"), help: "Multiplies every learning rate (1 = the default recipe).")
    var lrScale: Float = 1
    @Option(help: "Threads for the library's loops (default: all cores).")
    var threads: Int?
    @Option(help: "Continue the run in this folder from its last checkpoint (other options are taken from it).")
    var resume: String?

    var config: SplatConfig {
        get throws {
            var c = SplatConfig()
            c.target = target
            c.gaussians = gaussians
            c.epochs = epochs
            c.stepsPerEpoch = stepsPerEpoch
            c.size = size
            guard let shape = GaussianShape(rawValue: shape.lowercased()) else {
                throw ValidationError("Unknown shape '\(shape)': choose anisotropic or isotropic.")
            }
            c.shape = shape
            guard let color = SplatColorMode(rawValue: color.lowercased()) else {
                throw ValidationError("Unknown colour mode '\(color)': choose auto, gray or rgb.")
            }
            c.color = color
            guard let loss = ImageLoss(rawValue: loss.lowercased()) else {
                throw ValidationError("Unknown loss '\(loss)': choose l2, l1 or l1-ssim.")
            }
            c.loss = loss
            c.grow = grow
            c.seed = seed
            c.renderScale = renderScale
            c.learningRateScale = lrScale
            c.threads = threads
            return c
        }
    }

    func validate() throws {
        do {
            try config.validate()
        } catch let error as SplatError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let interrupts = InterruptMonitor.shared
        interrupts.install()
        let trainer: SplatTrainer
        if let resume {
            trainer = try SplatTrainer.resume(URL(fileURLWithPath: resume))
            print("Resuming \(trainer.store.folder.path) after epoch \(trainer.epoch) of \(trainer.config.epochs).")
        } else {
            let config = try config
            trainer = try SplatTrainer(config: config, runsFolder: URL(fileURLWithPath: runs), name: name)
            if trainer.config.gaussians < config.gaussians {
                print("The target has only \(trainer.config.gaussians) pixels: using \(trainer.config.gaussians) Gaussians, not \(config.gaussians).")
            }
            let t = trainer.target
            print("Target: \(config.target ?? "test card") at \(t.width)×\(t.height), \(t.channels == 1 ? "gray" : "RGB"); "
                  + "\(config.grow ? "up to " : "")\(trainer.config.gaussians) \(config.shape.rawValue) Gaussians, "
                  + "\(config.epochs) epochs × \(config.stepsPerEpoch) steps, \(config.loss.rawValue) loss")
            print("Run folder: \(trainer.store.folder.path)")
        }
        try trainer.run(interrupts: interrupts)
        if let signal = interrupts.receivedSignal {
            print("Interrupted by \(InterruptMonitor.signalName(signal)) after epoch \(trainer.epoch); "
                  + "continue with: trainviz splat --resume \(trainer.store.folder.path)")
            Foundation.exit(InterruptMonitor.exitStatus(for: signal))
        }
        print("Done: \(trainer.store.folder.path)")
    }
}

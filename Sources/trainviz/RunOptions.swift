import ArgumentParser
import Autograd
import Experiments
import Foundation
import Splatting
import Storage

/// The options every training command shares: where runs go, what they are called, the seed,
/// the threads, and `--resume`.
struct RunOptions: ParsableArguments {
    @Option(help: "Seed of every random draw: data, initial parameters, order.")
    var seed: UInt64 = 0
    @Option(help: "Folder that holds the run folders.")
    var runs: String = "Runs"
    @Option(help: "A name appended to the run folder's name.")
    var name: String?
    @Option(help: "Threads for BLAS and the library's loops (default: all cores).")
    var threads: Int?
    @Option(help: "Continue the run in this folder from its last checkpoint (other options are taken from it).")
    var resume: String?

    /// The runs folder as a URL.
    var runsFolder: URL { URL(fileURLWithPath: runs) }
}

/// Runs a training session to its end and reports how it ended: interrupted (with the
/// command that continues it, exiting with the signal's status) or done.
/// - Parameters:
///   - command: the subcommand's name, for the `--resume` hint.
///   - folder: the run folder.
///   - epoch: the epochs completed so far, read after training.
///   - train: runs the remaining epochs, stopping early when `interrupts` asks.
func runToCompletion(_ command: String, folder: URL, epoch: () -> Int,
                     train: (InterruptMonitor) throws -> Void) throws {
    let interrupts = InterruptMonitor.shared
    interrupts.install()
    try train(interrupts)
    if let signal = interrupts.receivedSignal {
        print("Interrupted by \(InterruptMonitor.signalName(signal)) after epoch \(epoch()); "
              + "continue with: trainviz \(command) --resume \(folder.path)")
        Foundation.exit(InterruptMonitor.exitStatus(for: signal))
    }
    print("Done: \(folder.path)")
}

// The library's choices, parsed by ArgumentParser (which also lists them in --help and in
// the error for a value that is not one of them).
extension Retina: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
extension GaussianShape: ExpressibleByArgument {}
extension SplatColorMode: ExpressibleByArgument {}
extension ImageLoss: ExpressibleByArgument {}

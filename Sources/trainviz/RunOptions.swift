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

/// Starts (with `start`) or resumes (`--resume`) a training session, runs it to its end and
/// reports how it ended: interrupted (with the command that continues it, exiting with the
/// signal's status) or done.
/// - Parameters:
///   - command: the subcommand's name, for the `--resume` hint.
///   - start: creates a new run and prints what it is about to do.
func train<Session: TrainingSession>(_ command: String, options: RunOptions, start: () throws -> Session) throws {
    let session: Session
    if let resume = options.resume {
        session = try Session.resume(URL(fileURLWithPath: resume))
        print("Resuming \(session.store.folder.path) after epoch \(session.epoch) of \(session.plannedEpochs).")
    } else {
        session = try start()
        print("Run folder: \(session.store.folder.path)")
    }
    let interrupts = InterruptMonitor.shared
    interrupts.install()
    try session.train(interrupts: interrupts)
    if let signal = interrupts.receivedSignal {
        print("Interrupted by \(InterruptMonitor.signalName(signal)) after epoch \(session.epoch); "
              + "continue with: trainviz \(command) --resume \(session.store.folder.path)")
        Foundation.exit(InterruptMonitor.exitStatus(for: signal))
    }
    print("Done: \(session.store.folder.path)")
}

/// Runs a library validation, turning its error into ArgumentParser's (one sentence on stderr,
/// with the usage, and a non-zero exit).
func validating(_ check: () throws -> Void) throws {
    do {
        try check()
    } catch let error as ValidationError {
        throw error
    } catch {
        throw ValidationError("\(error)")
    }
}

// The library's choices, parsed by ArgumentParser (which also lists them in --help and in
// the error for a value that is not one of them).
extension Retina: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
extension GaussianShape: ExpressibleByArgument {}
extension SplatColorMode: ExpressibleByArgument {}
extension ImageLoss: ExpressibleByArgument {}

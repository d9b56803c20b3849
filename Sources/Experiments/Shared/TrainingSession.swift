import Foundation
import Storage

/// What every experiment's trainer offers the command line: a run folder it owns, how far it
/// has got, and a loop that runs the remaining epochs until done or interrupted.
///
/// The create / resume / interrupt / fail lifecycle itself lives in `RunStore`; a trainer is a
/// session over one store. (A later step of the architecture work moves the loop here too.)
public protocol TrainingSession: AnyObject {
    /// The run folder and its manifest.
    var store: RunStore { get }
    /// Epochs completed.
    var epoch: Int { get }
    /// Epochs the run is configured for.
    var plannedEpochs: Int { get }
    /// Continues the run in `folder` from its checkpoint.
    static func resume(_ folder: URL) throws -> Self
    /// Runs the remaining epochs, stopping after the snapshot in progress when `interrupts` asks.
    func train(interrupts: InterruptMonitor?) throws
}

extension CNNTrainer: TrainingSession {
    public var plannedEpochs: Int { config.epochs }
    public func train(interrupts: InterruptMonitor?) throws { try run(interrupts: interrupts) }
}

extension SplatTrainer: TrainingSession {
    public var plannedEpochs: Int { config.epochs }
    public func train(interrupts: InterruptMonitor?) throws { try run(interrupts: interrupts) }
}

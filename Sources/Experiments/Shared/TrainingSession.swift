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

extension RunStore {
    /// Opens the run in `folder` to continue it as a `kind` run: `build` makes the session from
    /// the store and its checkpoint and says which epoch that checkpoint ends; snapshots after
    /// it are rewound. Whatever goes wrong marks the run failed (with the reason) and is rethrown.
    static func resuming<Session>(_ folder: URL, as kind: RunKind,
                                  _ build: (RunStore) throws -> (session: Session, epoch: Int)) throws -> Session {
        let store = try RunStore.open(at: folder)
        do {
            guard store.manifest.runKind == kind else {
                throw TrainingError.badRun("it is a \(store.manifest.kind) run, not a \(kind.rawValue) run")
            }
            let (session, epoch) = try build(store)
            try store.rewind(toEpoch: epoch)
            return session
        } catch {
            try? store.fail(error)
            throw error
        }
    }
}

extension SafeTensorsFile {
    /// The optimizer's state as a checkpoint stores it (`optimizer.<key>`), keyed without the prefix.
    var optimizerState: [String: (shape: [Int], values: [Float])] {
        var state: [String: (shape: [Int], values: [Float])] = [:]
        for (key, array) in tensors where key.hasPrefix("optimizer.") {
            state[String(key.dropFirst("optimizer.".count))] = (array.shape, array.values)
        }
        return state
    }
}

import Dispatch
import Foundation

/// Turns SIGINT (Ctrl-C) and SIGTERM into a flag that a training loop polls.
///
/// ```
/// let interrupts = InterruptMonitor.shared
/// interrupts.install()
/// for epoch in … {
///     for step in … { …; if interrupts.isRequested { break } }
///     try store.writeSnapshot(epoch: epoch, …)           // the current snapshot still lands
///     if let signal = interrupts.receivedSignal {
///         try store.interrupt(by: signal)                 // status "interrupted"
///         exit(InterruptMonitor.exitStatus(for: signal))  // 130 for SIGINT, 143 for SIGTERM
///     }
/// }
/// ```
/// The signals' default action is replaced by `SIG_IGN` and their delivery watched with
/// Dispatch signal sources, so no Swift code runs in signal-handler context. A second
/// signal while the first is being honoured ends the process at once (exit status
/// 128 + signal) for a user who does not want to wait; the run then reads as `stale`.
public final class InterruptMonitor: @unchecked Sendable {
    /// The process-wide monitor (signal dispositions are per process).
    public static let shared = InterruptMonitor()

    private let lock = NSLock()
    private var sources: [DispatchSourceSignal] = []
    private var signalReceived: Int32?
    private var exitOnSecond = true

    /// Whether a second signal ends the process immediately (default true).
    public var exitsOnSecondSignal: Bool {
        get { lock.lock(); defer { lock.unlock() }; return exitOnSecond }
        set { lock.lock(); exitOnSecond = newValue; lock.unlock() }
    }

    private init() {}

    /// Starts watching `signals` (SIGINT and SIGTERM by default) for the rest of the
    /// process's life. Calling it again adds nothing for signals already watched.
    ///
    /// Dispatch registers the source asynchronously: a signal arriving in the first moments
    /// after this call may be ignored (never fatal). On Linux, Dispatch installs its own
    /// handler that forwards the signal from whichever thread receives it (BLAS workers
    /// included) to its manager thread, so the flag is set whatever thread is interrupted.
    public func install(signals: [Int32] = [SIGINT, SIGTERM]) {
        lock.lock()
        defer { lock.unlock() }
        let watched = Set(sources.map { Int32($0.handle) })
        for signalNumber in signals where !watched.contains(signalNumber) {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global(qos: .userInitiated))
            source.setEventHandler { [unowned self] in self.record(signalNumber) }
            source.resume()
            sources.append(source)
        }
    }

    /// Forgets a received signal (for tests and for runs that continue after a pause).
    public func reset() {
        lock.lock()
        signalReceived = nil
        lock.unlock()
    }

    /// True once SIGINT or SIGTERM has arrived.
    public var isRequested: Bool { receivedSignal != nil }

    /// The first signal received, if any.
    public var receivedSignal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return signalReceived
    }

    private func record(_ signalNumber: Int32) {
        lock.lock()
        let first = signalReceived == nil
        if first { signalReceived = signalNumber }
        let exitNow = !first && exitOnSecond
        lock.unlock()
        if exitNow {
            let message = "\n\(InterruptMonitor.signalName(signalNumber)) again: stopping now without finishing the snapshot.\n"
            FileHandle.standardError.write(Data(message.utf8))
            _exit(InterruptMonitor.exitStatus(for: signalNumber))
        }
    }

    /// The shell convention for death by a signal: 128 + signal (130 for SIGINT, 143 for SIGTERM).
    public static func exitStatus(for signal: Int32) -> Int32 {
        128 + signal
    }

    /// "SIGINT", "SIGTERM", or "signal N".
    public static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }
}

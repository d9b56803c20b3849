import Dispatch
import Foundation

/// How many threads the library's own loops and BLAS may use.
public enum Parallelism {
    nonisolated(unsafe) private static var _threads = ProcessInfo.processInfo.activeProcessorCount

    /// Worker threads for the library's loops (default: all cores). `sgemm` splits
    /// large products among this many workers; BLAS itself stays single-threaded.
    public static var threads: Int {
        get { _threads }
        set { _threads = max(1, newValue) }
    }

    /// Splits `0..<count` into at most `threads` contiguous chunks of at least
    /// `minChunk` items and runs `body(range)` on each, concurrently.
    ///
    /// The closure is called once per chunk, never per element.
    public static func forEachChunk(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = isInsideWorker ? 1 : min(threads, max(1, count / max(minChunk, 1)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = count * c / chunks
            let end = count * (c + 1) / chunks
            guard start < end else { return }
            let outer = isInsideWorker
            setInsideWorker(true)
            defer { setInsideWorker(outer) }
            body(start..<end)
        }
    }

    /// Runs `body(task)` for every task in `0..<count`, shared among up to `threads`
    /// workers that each take the next task as they finish one (a slow core does fewer).
    ///
    /// Which worker runs a task varies from run to run, so `body` must not depend on it:
    /// give each task its own outputs. Runs in order on the calling thread with one
    /// thread, one task, or inside another worker.
    public static func forEachTask(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        if count == 1 || threads == 1 || isInsideWorker {
            for task in 0..<count { body(task) }
            return
        }
        let workers = min(threads, count)
        let next = TaskCounter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let outer = isInsideWorker
            setInsideWorker(true)
            defer { setInsideWorker(outer) }
            while true {
                let task = next.take()
                guard task < count else { break }
                body(task)
            }
        }
    }

    /// Whether the current thread is running a chunk of `forEachChunk` for several
    /// workers. Nested loops (and `sgemm`) then stay on this thread: the cores are taken.
    public static var isInsideWorker: Bool { pthread_getspecific(workerKey) != nil }

    private static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private static func setInsideWorker(_ inside: Bool) {
        // Any non-nil pointer means "inside"; the value itself is never read.
        pthread_setspecific(workerKey, inside ? UnsafeRawPointer(bitPattern: 1) : nil)
    }
}

/// Hands out 0, 1, 2, … to whichever thread asks next.
private final class TaskCounter: @unchecked Sendable {
    private var value = 0
    /// Heap-allocated: a mutex must not move.
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(lock, nil) }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    func take() -> Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        value += 1
        return value - 1
    }
}

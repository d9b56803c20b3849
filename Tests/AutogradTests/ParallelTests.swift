import XCTest
@testable import Autograd

final class ParallelTests: XCTestCase {
    func testForEachTaskRunsEveryTaskExactlyOnce() {
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        for threads in [1, 2, 3] {
            Parallelism.threads = threads
            for count in [0, 1, 2, 7, 64] {
                let runs = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
                runs.initialize(repeating: 0, count: max(count, 1))
                defer { runs.deallocate() }
                Parallelism.forEachTask(count) { task in runs[task] += 1 }  // one slot per task: no race
                XCTAssertEqual(Array(UnsafeBufferPointer(start: runs, count: count)), [Int](repeating: 1, count: count),
                               "\(count) tasks on \(threads) threads")
            }
        }
    }

    func testForEachTaskInsideAWorkerRunsInOrderOnThatThread() {
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        Parallelism.threads = 2
        let orders = UnsafeMutablePointer<[Int]>.allocate(capacity: 2)
        orders.initialize(repeating: [], count: 2)
        defer { orders.deinitialize(count: 2); orders.deallocate() }
        Parallelism.forEachChunk(2) { r in
            XCTAssertTrue(Parallelism.isInsideWorker)
            Parallelism.forEachTask(5) { task in orders[r.lowerBound].append(task) }
        }
        XCTAssertEqual(orders[0], [0, 1, 2, 3, 4])
        XCTAssertEqual(orders[1], [0, 1, 2, 3, 4])
    }
}

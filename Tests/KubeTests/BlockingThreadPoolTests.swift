import Foundation
import Synchronization
import Testing
@testable import Kube

@Suite struct BlockingThreadPoolTests {
    /// How many jobs run at once, and the most that ever did.
    final class Concurrency: Sendable {
        let counts = Mutex((now: 0, most: 0))
        func withLock<T>(_ body: (inout (now: Int, most: Int)) -> T) -> T { counts.withLock { body(&$0) } }
    }

    @Test func runsEveryJobOnAtMostItsThreads() async {
        let pool = BlockingThreadPool(name: "test-pool", maxThreads: 3)
        let running = Concurrency()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                        pool.submit {
                            running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                            usleep(5_000)
                            running.withLock { $0.now -= 1 }
                            done.resume()
                        }
                    }
                }
            }
        }
        #expect(pool.threadCount <= 3)
        #expect(running.withLock { $0.most } <= 3)
        #expect(running.withLock { $0.now } == 0)
    }

    @Test func idleThreadsEnd() async throws {
        let pool = BlockingThreadPool(name: "test-pool", maxThreads: 2, idleTimeout: 0.1)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in pool.submit { done.resume() } }
        let deadline = Date().addingTimeInterval(5)
        while pool.threadCount > 0, Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(pool.threadCount == 0)
        // Work after that starts a thread again.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in pool.submit { done.resume() } }
    }
}

import Foundation

/// A few long-lived threads for blocking calls (`curl_easy_perform` of ordinary requests), so a
/// request does not start a new thread. Threads start on demand up to `maxThreads` and end after
/// `idleTimeout` seconds without work; work beyond `maxThreads` waits in order. Long-lived
/// transfers (watches) do not belong here: they would hold a thread for minutes.
final class BlockingThreadPool: @unchecked Sendable {
    // @unchecked: `queue`, `idle` and `threads` are only touched while holding `condition`.
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var idle = 0
    private var threads = 0
    let maxThreads: Int
    let idleTimeout: Double
    let name: String

    init(name: String, maxThreads: Int, idleTimeout: Double = 30) {
        self.name = name
        self.maxThreads = max(1, maxThreads)
        self.idleTimeout = idleTimeout
    }

    /// Runs `work` on one of the pool's threads, now or when one is free.
    func submit(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(work)
        let startThread = idle == 0 && threads < maxThreads
        if startThread { threads += 1 }
        condition.signal()
        condition.unlock()
        if startThread {
            let thread = Thread { [self] in serve() }
            thread.name = name
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// How many threads the pool has started.
    var threadCount: Int {
        condition.lock(); defer { condition.unlock() }
        return threads
    }

    private func serve() {
        while true {
            condition.lock()
            idle += 1
            while queue.isEmpty {
                if !condition.wait(until: Date(timeIntervalSinceNow: idleTimeout)), queue.isEmpty {
                    idle -= 1
                    threads -= 1
                    condition.unlock()
                    return
                }
            }
            idle -= 1
            let work = queue.removeFirst()
            condition.unlock()
            work()
        }
    }
}

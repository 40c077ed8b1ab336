import FoundationEssentials
import TenantCore

/// One cluster change waiting for a worker: a create, delete or recreate for one account.
public struct WorkItem: Sendable {
    /// The account id, or the Job name for a Job that names no account.
    public var key: String
    public var action: PlannedAction
    /// The account's state when the action was planned (for the status row written afterwards).
    public var accountActive: Bool?
    public var enqueuedAt: Date
    public var urgent: Bool
    /// For a failure to record: the account, whose rendered memory starts an OOM escalation.
    public var account: Account?

    public init(key: String, action: PlannedAction, accountActive: Bool?, enqueuedAt: Date, urgent: Bool) {
        self.key = key
        self.action = action
        self.accountActive = accountActive
        self.enqueuedAt = enqueuedAt
        self.urgent = urgent
    }
}

/// The queue between planning and the workers that call the API. Planning stays fast (a pass
/// only enqueues), a slow action (a Foreground delete that takes 20 s) holds one worker and
/// nothing else, and changes that came by NOTIFY jump ahead of a long backlog, so a new
/// account gets its Job within a second even while 10,000 others converge.
/// At most one action per key is queued or running: a later pass re-plans from fresh state.
public actor ActionQueue {
    private var urgent = FIFO<WorkItem>()
    private var normal = FIFO<WorkItem>()
    private var queuedKeys: Set<String> = []
    private var running: Set<String> = []
    private var waiters: [CheckedContinuation<WorkItem?, Never>] = []
    private var closed = false

    public init() {}

    /// Adds what is not already queued or running; returns what was accepted.
    /// An urgent item replaces a queued normal one for the same key.
    @discardableResult
    public func enqueue(_ items: [WorkItem]) -> [WorkItem] {
        guard !closed else { return [] }
        var accepted: [WorkItem] = []
        for item in items {
            if running.contains(item.key) { continue }
            if queuedKeys.contains(item.key) {
                guard item.urgent, normal.removeFirst(where: { $0.key == item.key }) != nil else { continue }
                queuedKeys.remove(item.key)
            }
            queuedKeys.insert(item.key)
            accepted.append(item)
            if let waiter = waiters.first {
                waiters.removeFirst()
                queuedKeys.remove(item.key)
                running.insert(item.key)
                waiter.resume(returning: item)
            } else if item.urgent {
                urgent.append(item)
            } else {
                normal.append(item)
            }
        }
        return accepted
    }

    /// The next item, urgent ones first; nil once the queue is closed.
    public func next() async -> WorkItem? {
        if let item = take() { return item }
        if closed { return nil }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func take() -> WorkItem? {
        guard let item = urgent.popFirst() ?? normal.popFirst() else { return nil }
        queuedKeys.remove(item.key)
        running.insert(item.key)
        return item
    }

    public func finished(_ key: String) {
        running.remove(key)
    }

    /// Keys queued or being worked on: a pass leaves their accounts alone.
    public func busyKeys() -> Set<String> { queuedKeys.union(running) }

    public var depth: Int { urgent.count + normal.count }
    public var runningCount: Int { running.count }

    /// Stops handing out work: queued items are dropped (the next leader re-plans them), the
    /// running ones finish.
    public func close() {
        closed = true
        urgent.removeAll()
        normal.removeAll()
        queuedKeys.removeAll()
        for waiter in waiters { waiter.resume(returning: nil) }
        waiters.removeAll()
    }

    /// Drops queued work without closing (leadership lost: a new leader will plan it).
    public func drain() {
        urgent.removeAll()
        normal.removeAll()
        queuedKeys.removeAll()
    }

    /// Waits until nothing is running (after `close`, for shutdown).
    public func waitUntilIdle(timeout: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !running.isEmpty {
            if Date() >= deadline { return false }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return true
    }
}

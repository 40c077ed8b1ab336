import FoundationEssentials

/// What wakes the pass loop: the poll timer, NOTIFY (one account), a change the watch saw, a
/// restart coming due (one account, at a time), or a reason to look at everything again (a
/// reconnected listener may have missed notifications, leadership was just gained).
public actor PassTrigger {
    public enum Work: Sendable, Equatable {
        case full
        case accounts([String])
    }

    /// Beyond this many pending accounts one full pass is cheaper than passes one by one
    /// (an `UPDATE accounts SET ...` over every row sends a notification per row).
    public static let accountsBeforeFullPass = 200

    private var fullRequested = false
    private var accounts: [String] = []
    private var accountSet: Set<String> = []
    /// Accounts to look at when a time comes (a scheduled restart), by account.
    private var scheduled: [String: Date] = [:]
    private var waiter: CheckedContinuation<Void, Never>?

    public init() {}

    public func requestFull() {
        fullRequested = true
        wake()
    }

    public func request(account id: String) {
        if accountSet.insert(id).inserted { accounts.append(id) }
        wake()
    }

    /// Asks for a pass of the account at `date` (replacing an earlier time asked for it). A
    /// date already past is a request now.
    public func schedule(account id: String, at date: Date) {
        guard date > Date() else {
            scheduled[id] = nil
            request(account: id)
            return
        }
        scheduled[id] = date
        // A waiting loop sleeps until its earlier deadline; wake it to sleep until this one.
        wake()
    }

    /// The accounts scheduled, and when (for tests and metrics).
    public var scheduledAccounts: [String: Date] { scheduled }

    private func wake() {
        waiter?.resume()
        waiter = nil
    }

    /// Waits until something is requested, a scheduled time comes (a pass of those accounts), or
    /// `timeout` seconds pass (then a full pass is due).
    public func next(timeout: Double) async -> Work {
        let deadline = Date().addingTimeInterval(max(0, timeout))
        while true {
            releaseDue(now: Date())
            if Date() >= deadline { fullRequested = true }
            if let work = take() { return work }
            let wakeAt = min(deadline, scheduled.values.min() ?? deadline)
            let sleeper = Task { [weak self] in
                // Cancelled because something else woke the loop: nothing is due.
                guard (try? await Task.sleep(nanoseconds: UInt64(max(0, wakeAt.timeIntervalSinceNow) * 1e9))) != nil else { return }
                await self?.timerFired()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    if fullRequested || !accounts.isEmpty { c.resume() } else { waiter = c }
                }
            } onCancel: {
                Task { await self.requestFull() }
            }
            sleeper.cancel()
        }
    }

    private func timerFired() { wake() }

    private func releaseDue(now: Date) {
        for (id, at) in scheduled where at <= now {
            scheduled[id] = nil
            if accountSet.insert(id).inserted { accounts.append(id) }
        }
    }

    private func take() -> Work? {
        if fullRequested || accounts.count > Self.accountsBeforeFullPass {
            fullRequested = false
            accounts.removeAll()
            accountSet.removeAll()
            return .full
        }
        guard !accounts.isEmpty else { return nil }
        let batch = accounts
        accounts.removeAll()
        accountSet.removeAll()
        return .accounts(batch)
    }
}

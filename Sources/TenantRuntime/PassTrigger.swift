import Foundation

/// What wakes the pass loop: the poll timer, NOTIFY (one account), a change the watch saw, or a
/// reason to look at everything again (a reconnected listener may have missed notifications,
/// leadership was just gained).
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

    private func wake() {
        waiter?.resume()
        waiter = nil
    }

    /// Waits until something is requested or `timeout` seconds pass (then a full pass is due).
    public func next(timeout: Double) async -> Work {
        if let work = take() { return work }
        let sleeper = Task { [weak self] in
            // Cancelled because something else woke the loop: that is not a poll, no full pass.
            guard (try? await Task.sleep(nanoseconds: UInt64(max(0, timeout) * 1e9))) != nil else { return }
            await self?.requestFull()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                if fullRequested || !accounts.isEmpty { c.resume() } else { waiter = c }
            }
        } onCancel: {
            Task { await self.requestFull() }
        }
        sleeper.cancel()
        return take() ?? .full
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

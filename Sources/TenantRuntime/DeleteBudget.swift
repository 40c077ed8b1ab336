import FoundationEssentials

/// `MAX_DELETES_PER_PASS` as a sliding window of `POLL_INTERVAL`: deletions made by full passes
/// and by NOTIFY-triggered passes share one budget, so a mistaken
/// `UPDATE accounts SET is_active = false` cannot empty the cluster in one go.
/// The delete half of a restart or a recreate is not counted (SPEC).
public struct DeleteBudget: Sendable {
    public let limit: Int
    public let window: TimeInterval
    private var spent: [Date] = []

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Deletions still allowed at `now`.
    public mutating func remaining(now: Date) -> Int {
        spent.removeAll { now.timeIntervalSince($0) >= window }
        return max(0, limit - spent.count)
    }

    public mutating func spend(_ count: Int = 1, now: Date) {
        spent.append(contentsOf: repeatElement(now, count: count))
    }
}

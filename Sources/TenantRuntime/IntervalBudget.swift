import FoundationEssentials

/// A limit per sliding window of `POLL_INTERVAL`, shared by full passes and NOTIFY-triggered
/// passes. `MAX_DELETES_PER_PASS`: a mistaken `UPDATE accounts SET is_active = false` cannot
/// empty the cluster in one go (the delete half of a restart or a recreate is not counted,
/// SPEC). `MAX_IMAGE_ROLLS_PER_PASS`: a re-pushed `:latest` never restarts every tenant at once.
public struct IntervalBudget: Sendable {
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

/// Exponential backoff: `initial × factor^(attempt−1)`, capped at `maximum`. Pure; the caller sleeps.
/// Used for reconnects (database, watch relist: 0.8 s doubling to 30 s) and API retries.
public struct Backoff: Sendable, Equatable {
    public var initial: Double
    public var factor: Double
    public var maximum: Double

    public init(initial: Double, factor: Double = 2, maximum: Double) {
        self.initial = initial
        self.factor = factor
        self.maximum = maximum
    }

    /// The watch relist and reconnect schedule named in the issues: 0.8 s doubling to 30 s.
    public static let reconnect = Backoff(initial: 0.8, factor: 2, maximum: 30)

    /// Delay in seconds before retry number `attempt` (1 for the first retry).
    public func delay(attempt: Int) -> Double {
        guard attempt > 1 else { return min(initial, maximum) }
        var value = initial
        for _ in 1..<attempt {
            value *= factor
            if value >= maximum { return maximum }
        }
        return min(value, maximum)
    }
}

import FoundationEssentials
import Glibc

/// When a failed Job is restarted (SPEC "Restart logic"): `RESTART_DELAY`,
/// `RESTART_BACKOFF_FACTOR`, `RESTART_DELAY_MAX`, `SKIP_DELAY_ON_OOM`.
public struct RestartPolicy: Sendable, Equatable {
    public var delay: TimeInterval
    public var backoffFactor: Double
    public var maxDelay: TimeInterval
    public var skipDelayOnOOM: Bool

    public init(delay: TimeInterval = 3600, backoffFactor: Double = 1, maxDelay: TimeInterval = 86400, skipDelayOnOOM: Bool = false) {
        self.delay = delay
        self.backoffFactor = backoffFactor
        self.maxDelay = maxDelay
        self.skipDelayOnOOM = skipDelayOnOOM
    }

    /// Seconds to wait after the n-th consecutive failure: `delay × factor^(n−1)`, capped at
    /// `maxDelay`. n below 1 counts as the first failure.
    public func delay(afterFailure n: Int) -> TimeInterval {
        let exponent = Double(max(1, n) - 1)
        let value = delay * pow(backoffFactor, exponent)
        guard value.isFinite else { return maxDelay }
        return min(max(0, value), maxDelay)
    }
}

public enum RestartDecision: Sendable, Equatable {
    case now
    case at(Date)
    case never(reason: String)
}

/// The restart decision for a Job that failed at `failedAt` (its Failed condition's transition
/// time), being the `consecutiveFailures`-th failure in a row (this one included). The delay counts
/// from `failedAt`, so an operator restart or leader change does not postpone it.
public func restartDecision(failedAt: Date, consecutiveFailures n: Int, oomKilled: Bool, accountActive: Bool, policy: RestartPolicy, now: Date) -> RestartDecision {
    guard accountActive else { return .never(reason: "account inactive: its Job is deleted, not restarted") }
    if oomKilled && policy.skipDelayOnOOM { return .now }
    let due = failedAt + policy.delay(afterFailure: n)
    return due <= now ? .now : .at(due)
}

import Common

/// When a failed request is tried again. Transient failures (no answer, 429, 5xx) are retried
/// up to `maxAttempts` in total with `backoff` between attempts; a `Retry-After` header replaces
/// the backoff delay (capped at `maxRetryAfter`). Every other 4xx is terminal at once.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var backoff: Backoff
    public var maxRetryAfter: Double

    public init(maxAttempts: Int = 5, backoff: Backoff = Backoff(initial: 0.2, factor: 2, maximum: 5), maxRetryAfter: Double = 60) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.maxRetryAfter = maxRetryAfter
    }

    public static let `default` = RetryPolicy()
    /// One attempt only.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Seconds to wait before attempt `attempt + 1` after attempt number `attempt` (1-based)
    /// failed with `error`, or nil to give up.
    public func delay(after attempt: Int, error: KubeError, retryAfter: Double?) -> Double? {
        guard error.isTransient, attempt < maxAttempts else { return nil }
        if let retryAfter, retryAfter >= 0 { return min(retryAfter, maxRetryAfter) }
        return backoff.delay(attempt: attempt)
    }
}

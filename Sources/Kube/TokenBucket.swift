/// Client-side rate limit: `qps` tokens a second, at most `burst` saved up (client-go's
/// flowcontrol token bucket; SPEC `KUBE_QPS` 20 / `KUBE_BURST` 40). Pure: the caller passes the
/// clock and sleeps for the returned delay.
public struct TokenBucket: Sendable, Equatable {
    public let qps: Double
    public let burst: Int
    private var tokens: Double
    private var last: Double?

    public init(qps: Double, burst: Int) {
        precondition(qps > 0 && burst >= 1, "qps must be positive and burst at least 1")
        self.qps = qps
        self.burst = burst
        self.tokens = Double(burst)
    }

    /// Takes one token at time `now` (seconds on a monotonic clock) and returns how long the caller
    /// must wait before sending. Tokens may go negative: each waiting caller has reserved its slot,
    /// so concurrent callers are spaced `1/qps` apart in arrival order.
    public mutating func reserve(now: Double) -> Double {
        if let last {
            tokens = min(Double(burst), tokens + (now - last) * qps)
        }
        last = now
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / qps
    }
}

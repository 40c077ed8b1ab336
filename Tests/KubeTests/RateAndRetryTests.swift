import Common
import Kube
import Testing

@Suite struct RateAndRetryTests {
    @Test func burstIsFreeThenRequestsAreSpacedAtQPS() {
        var bucket = TokenBucket(qps: 5, burst: 2)
        #expect(bucket.reserve(now: 100) == 0)
        #expect(bucket.reserve(now: 100) == 0)
        #expect(abs(bucket.reserve(now: 100) - 0.2) < 1e-9)
        #expect(abs(bucket.reserve(now: 100) - 0.4) < 1e-9)
    }

    @Test func tokensRefillOverTimeUpToBurst() {
        var bucket = TokenBucket(qps: 10, burst: 3)
        for _ in 0..<3 { _ = bucket.reserve(now: 0) }
        #expect(bucket.reserve(now: 0.1) == 0)
        #expect(bucket.reserve(now: 100) == 0)
        #expect(bucket.reserve(now: 100) == 0)
        #expect(bucket.reserve(now: 100) == 0)
        #expect(bucket.reserve(now: 100) > 0)
    }

    @Test func transientErrorsRetryWithBackoffUntilAttemptsRunOut() {
        let policy = RetryPolicy(maxAttempts: 3, backoff: Backoff(initial: 0.1, factor: 2, maximum: 1))
        let error = KubeError.api(KubeStatus(code: 500, reason: "InternalError", message: nil))
        #expect(policy.delay(after: 1, error: error, retryAfter: nil) == 0.1)
        #expect(policy.delay(after: 2, error: error, retryAfter: nil) == 0.2)
        #expect(policy.delay(after: 3, error: error, retryAfter: nil) == nil)
        #expect(policy.delay(after: 1, error: .transport(code: 7, message: "refused"), retryAfter: nil) == 0.1)
    }

    @Test func retryAfterReplacesBackoffAndIsCapped() {
        let policy = RetryPolicy(maxAttempts: 5, maxRetryAfter: 10)
        let error = KubeError.api(KubeStatus(code: 429, reason: "TooManyRequests", message: nil))
        #expect(policy.delay(after: 1, error: error, retryAfter: 2) == 2)
        #expect(policy.delay(after: 1, error: error, retryAfter: 600) == 10)
    }

    @Test func clientErrorsOtherThan429AreTerminal() {
        let policy = RetryPolicy()
        for code in [400, 401, 403, 404, 409, 422] {
            #expect(policy.delay(after: 1, error: .api(KubeStatus(code: code, reason: nil, message: nil)), retryAfter: nil) == nil)
        }
        #expect(policy.delay(after: 1, error: .gone(message: ""), retryAfter: nil) == nil)
    }

    @Test func rateLimitComesFromTheEnvironment() throws {
        #expect(try KubeClient.RateLimit.from(Environment([:])) == KubeClient.RateLimit(qps: 20, burst: 40))
        #expect(try KubeClient.RateLimit.from(Environment(["KUBE_QPS": "5", "KUBE_BURST": "1"])) == KubeClient.RateLimit(qps: 5, burst: 1))
        #expect(throws: ConfigError.self) { try KubeClient.RateLimit.from(Environment(["KUBE_QPS": "fast"])) }
    }
}

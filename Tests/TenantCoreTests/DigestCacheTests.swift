import Foundation
import Testing
@testable import TenantCore

@Suite struct DigestCacheTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let a = "sha256:" + String(repeating: "a", count: 64)
    static let b = "sha256:" + String(repeating: "b", count: 64)

    @Test func asksOncePerIntervalAndSaysWhenATagMoved() {
        var cache = DigestCache(interval: 300)
        cache.want("docker.io/library/busybox:1.36")
        #expect(cache.due(now: Self.t0) == ["docker.io/library/busybox:1.36"], "never asked")
        #expect(cache.record("docker.io/library/busybox:1.36", answer: .success(Self.a), now: Self.t0) == .first(Self.a))
        #expect(cache.due(now: Self.t0 + 299).isEmpty, "cached for the interval")
        #expect(cache.due(now: Self.t0 + 300) == ["docker.io/library/busybox:1.36"])
        #expect(cache.record("docker.io/library/busybox:1.36", answer: .success(Self.a), now: Self.t0 + 300) == .unchanged)
        #expect(cache.record("docker.io/library/busybox:1.36", answer: .success(Self.b), now: Self.t0 + 600) == .moved(from: Self.a, to: Self.b))
        #expect(cache.table == ["docker.io/library/busybox:1.36": Self.b])
        cache.want("docker.io/library/busybox:1.36")
        #expect(cache.digest(for: "docker.io/library/busybox:1.36") == Self.b, "want keeps what is known")
    }

    /// A registry that fails changes nothing: the last known digest stays, the tag is asked again
    /// sooner than the interval, and a tag never resolved stays without a digest (used as it is).
    @Test func aFailureKeepsTheLastKnownDigestAndRetriesSooner() {
        var cache = DigestCache(interval: 300, retryAfterFailure: 30)
        cache.record("k", answer: .success(Self.a), now: Self.t0)
        #expect(cache.record("k", answer: .failure(DigestProblem("503")), now: Self.t0 + 300) == .failed(kept: Self.a, problem: "503"))
        #expect(cache.digest(for: "k") == Self.a && cache.failing == 1)
        #expect(cache.due(now: Self.t0 + 329).isEmpty && cache.due(now: Self.t0 + 330) == ["k"])
        cache.record("k", answer: .success(Self.a), now: Self.t0 + 330)
        #expect(cache.failing == 0)
        cache.want("new")
        #expect(cache.record("new", answer: .failure(DigestProblem("down")), now: Self.t0) == .failed(kept: nil, problem: "down"))
        #expect(cache.unresolved == 1 && cache.table == ["k": Self.a])
    }

    @Test func theRetryIsNeverLongerThanTheInterval() {
        let cache = DigestCache(interval: 10, retryAfterFailure: 30)
        #expect(cache.retryAfterFailure == 10)
    }
}

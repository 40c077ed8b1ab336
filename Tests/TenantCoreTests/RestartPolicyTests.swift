import Foundation
import Testing
@testable import TenantCore

@Suite struct RestartPolicyTests {
    static let failedAt = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: [
        // (delay, factor, max, n, expected seconds)
        (3600.0, 1.0, 86400.0, 1, 3600.0),
        (3600, 1, 86400, 5, 3600),
        (3600, 2, 86400, 1, 3600),
        (3600, 2, 86400, 2, 7200),
        (3600, 2, 86400, 3, 14400),
        (3600, 2, 86400, 5, 57600),
        (3600, 2, 86400, 6, 86400),     // 115200 capped
        (3600, 2, 86400, 2000, 86400),  // overflows to infinity, still capped
        (60, 1.5, 600, 3, 135),
        (3600, 2, 86400, 0, 3600),      // n below 1 counts as the first failure
        (3600, 1, 1800, 1, 1800),       // the cap applies to the first failure too
    ])
    func delayGrowsByTheFactorAndIsCapped(delay: Double, factor: Double, max: Double, n: Int, expected: Double) {
        let policy = RestartPolicy(delay: delay, backoffFactor: factor, maxDelay: max)
        #expect(policy.delay(afterFailure: n) == expected)
    }

    @Test func restartIsScheduledFromTheFailureTime() {
        let decision = restartDecision(failedAt: Self.failedAt, consecutiveFailures: 2, oomKilled: false, accountActive: true,
                                       policy: RestartPolicy(delay: 3600, backoffFactor: 2), now: Self.failedAt + 60)
        #expect(decision == .at(Self.failedAt + 7200))
    }

    @Test func restartIsImmediateOnceTheDelayHasPassed() {
        let decision = restartDecision(failedAt: Self.failedAt, consecutiveFailures: 1, oomKilled: false, accountActive: true,
                                       policy: RestartPolicy(), now: Self.failedAt + 3600)
        #expect(decision == .now)
    }

    @Test func oomKillSkipsTheDelayOnlyWhenEnabled() {
        let skip = restartDecision(failedAt: Self.failedAt, consecutiveFailures: 3, oomKilled: true, accountActive: true,
                                   policy: RestartPolicy(skipDelayOnOOM: true), now: Self.failedAt)
        let wait = restartDecision(failedAt: Self.failedAt, consecutiveFailures: 3, oomKilled: true, accountActive: true,
                                   policy: RestartPolicy(skipDelayOnOOM: false), now: Self.failedAt)
        #expect(skip == .now)
        #expect(wait == .at(Self.failedAt + 3600))
    }

    @Test func inactiveAccountIsNeverRestarted() {
        let decision = restartDecision(failedAt: Self.failedAt, consecutiveFailures: 1, oomKilled: true, accountActive: false,
                                       policy: RestartPolicy(skipDelayOnOOM: true), now: Self.failedAt + 100_000)
        guard case .never(let reason) = decision else {
            Issue.record("expected never, got \(decision)")
            return
        }
        #expect(reason.contains("inactive"))
    }
}

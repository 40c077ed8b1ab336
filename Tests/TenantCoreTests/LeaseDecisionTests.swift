import Foundation
import Testing
@testable import TenantCore

@Suite struct LeaseDecisionTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func record(_ holder: String?, transitions: Int = 3) -> LeaseRecord {
        LeaseRecord(holderIdentity: holder, leaseDurationSeconds: 15, renewTime: t0, leaseTransitions: transitions, resourceVersion: "7")
    }

    @Test func missingLeaseIsCreated() {
        #expect(LeaseElection.decide(identity: "a", record: nil, observedAt: t0, now: t0) == .create)
    }

    @Test func ownLeaseIsRenewed() {
        #expect(LeaseElection.decide(identity: "a", record: record("a"), observedAt: t0, now: t0.addingTimeInterval(100)) == .renew)
    }

    @Test func releasedLeaseIsTakenAtOnce() {
        #expect(LeaseElection.decide(identity: "b", record: record(""), observedAt: t0, now: t0) == .takeOver(transitions: 4))
        #expect(LeaseElection.decide(identity: "b", record: record(nil), observedAt: t0, now: t0) == .takeOver(transitions: 4))
    }

    @Test func validForeignLeaseIsFollowed() {
        #expect(LeaseElection.decide(identity: "b", record: record("a"), observedAt: t0, now: t0.addingTimeInterval(14.9)) == .follow(holder: "a"))
    }

    @Test func expiryCountsFromOurObservationNotTheHoldersClock() {
        // The holder's renewTime is far in the past (skewed clock), but we only just saw it change.
        var skewed = record("a")
        skewed.renewTime = t0.addingTimeInterval(-3600)
        #expect(LeaseElection.decide(identity: "b", record: skewed, observedAt: t0, now: t0.addingTimeInterval(1)) == .follow(holder: "a"))
        #expect(LeaseElection.decide(identity: "b", record: skewed, observedAt: t0, now: t0.addingTimeInterval(15)) == .takeOver(transitions: 4))
    }
}

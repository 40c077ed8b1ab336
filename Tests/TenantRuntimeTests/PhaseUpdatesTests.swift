import Foundation
import TenantCore
import Testing
@testable import TenantRuntime

/// `Reconciler.phaseUpdates`: status rows whose phase no longer matches what the cache shows.
@Suite struct PhaseUpdatesTests {
    static let created = Date(timeIntervalSince1970: 1_700_000_000)

    static func job(_ account: String, uid: String, instance: String = "default", managed: Bool = true, completed: Bool = false,
                    failed: Bool = false, terminating: Bool = false) -> ObservedJob {
        var labels = ["tenant-provisioner/instance": instance, "tenant-provisioner/account": account]
        if managed { labels["app.kubernetes.io/managed-by"] = "tenant-provisioner" }
        return ObservedJob(name: "worker-\(account)", uid: uid, labels: labels, annotations: ["tenant-provisioner/account-id": account],
                           creationTimestamp: created, deletionTimestamp: terminating ? created + 5 : nil,
                           completedAt: completed ? created + 10 : nil, failedAt: failed ? created + 10 : nil,
                           failedReason: failed ? "BackoffLimitExceeded" : nil)
    }

    static func status(_ account: String, _ phase: JobPhase, uid: String? = "u1") -> AccountStatus {
        AccountStatus(accountID: account, jobName: "worker-\(account)", jobUID: uid, phase: phase)
    }

    static func phases(jobs: [ObservedJob], statuses: [AccountStatus]) -> [String: JobPhase] {
        let updates = Reconciler.phaseUpdates(jobs: jobs, statuses: Dictionary(uniqueKeysWithValues: statuses.map { ($0.accountID, $0) }), instance: "default")
        return Dictionary(uniqueKeysWithValues: updates.map { ($0.accountID, $0.phase) })
    }

    @Test func aPendingAccountWhoseJobExistsIsRunning() {
        #expect(Self.phases(jobs: [Self.job("a", uid: "u1")], statuses: [Self.status("a", .pending)]) == ["a": .running])
    }

    @Test func aDeletingAccountWhoseJobIsGoneIsInactive() {
        #expect(Self.phases(jobs: [], statuses: [Self.status("a", .deleting)]) == ["a": .inactive])
    }

    @Test func aRunningOrPendingAccountWhoseJobVanishedIsPending() {
        #expect(Self.phases(jobs: [], statuses: [Self.status("a", .running), Self.status("b", .pending)]) == ["a": .pending])
        #expect(Self.phases(jobs: [], statuses: [Self.status("b", .pending)]).isEmpty, "already pending: nothing to write")
    }

    @Test func rowsThatNeverHadAJobAreLeftAlone() {
        #expect(Self.phases(jobs: [], statuses: [Self.status("a", .running, uid: nil), Self.status("b", .deleting, uid: nil)]).isEmpty)
    }

    @Test func finishedFailedOrTerminatingJobsAndOtherUIDsChangeNothing() {
        let statuses = [Self.status("a", .pending), Self.status("b", .pending), Self.status("c", .pending), Self.status("d", .pending)]
        let jobs = [Self.job("a", uid: "u1", completed: true), Self.job("b", uid: "u1", failed: true),
                    Self.job("c", uid: "u1", terminating: true), Self.job("d", uid: "another")]
        #expect(Self.phases(jobs: jobs, statuses: statuses).isEmpty)
    }

    @Test func jobsOfAnotherInstanceOrUnmanagedOnesCountAsAbsent() {
        let jobs = [Self.job("a", uid: "u1", instance: "other"), Self.job("b", uid: "u1", managed: false)]
        #expect(Self.phases(jobs: jobs, statuses: [Self.status("a", .running), Self.status("b", .deleting)]) == ["a": .pending, "b": .inactive])
    }

    @Test func statusesAlreadyRightProduceNoWrites() {
        #expect(Self.phases(jobs: [Self.job("a", uid: "u1")], statuses: [Self.status("a", .running)]).isEmpty)
    }
}

import Common
import Foundation
import Testing
@testable import TenantCore

/// SPEC "Restart logic" as the planner sees it: a failed Job is recorded, then deleted when its
/// restart is due (not budgeted), then created afresh once gone; an inactive account's failed Job
/// is deleted, not restarted.
@Suite struct PlannerRestartTests {
    typealias W = PlannerWorld

    static func failedJob(_ account: Account, failedAt: Date = W.now - 30, uid: String? = nil) -> ObservedJob {
        var job = W.job(for: account, uid: uid)
        job.failedAt = failedAt
        job.failedReason = "BackoffLimitExceeded"
        return job
    }

    static func scheduled(_ job: ObservedJob, at: Date?, phase: JobPhase = .restartScheduled, failures: Int = 1) -> AccountStatus {
        AccountStatus(accountID: job.accountID!, jobName: job.name, jobUID: job.uid, phase: phase, lastFailureAt: job.failedAt,
                      consecutiveFailures: failures, nextRestartAt: at)
    }

    @Test(arguments: [
        // (restart due in seconds, expected verbs)
        (TimeInterval(600), [String]()),
        (0, ["restart"]),
        (-60, ["restart"]),
    ] as [(TimeInterval, [String])])
    func aRecordedFailureIsRestartedWhenDueAndNotBefore(dueIn: TimeInterval, verbs: [String]) {
        var world = W()
        let acme = W.account("acme")
        let job = Self.failedJob(acme)
        world.accounts = [acme]
        world.jobs = [job]
        world.statuses["acme"] = Self.scheduled(job, at: W.now + dueIn)
        let actions = world.plan().actions
        #expect(actions.map(\.verb) == verbs)
        if case .restart(let old, let accountID, let reason)? = actions.first {
            #expect(old == job)
            #expect(accountID == "acme")
            #expect(reason.contains("failure 1 in a row"))
        }
    }

    @Test func restartsDoNotCountAgainstTheIntervalBudget() {
        var world = W()
        world.policy.deleteBudget = 0
        world.accounts = (0..<3).map { W.account("a\($0)") }
        world.jobs = world.accounts.map { Self.failedJob($0) }
        for job in world.jobs { world.statuses[job.accountID!] = Self.scheduled(job, at: W.now - 1) }
        #expect(world.plan().actions.map(\.verb) == ["restart", "restart", "restart"])
    }

    @Test func theFailedJobGoneTheRestartCreatesItAfreshCompletingTheRestart() {
        var world = W()
        world.accounts = [W.account("acme", tag: "v2")]
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobName: "tenant-acme", jobUID: "failed-uid", phase: .restartScheduled,
                                               lastFailureAt: W.now - 60, consecutiveFailures: 2, nextRestartAt: W.now - 5)
        #expect(world.plan().actions == [.create(W.order(W.account("acme", tag: "v2")), reason: "scheduled restart is due",
                                                 completes: .restart(oldUID: "failed-uid"))])
    }

    @Test func anActiveAccountWhoseJobWasDeletedToBeReplacedGetsItsSuccessor() {
        var world = W()
        let acme = W.account("acme")
        world.accounts = [acme]
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobName: "tenant-acme", jobUID: "old-uid", phase: .deleting, message: "recreating: spec changed")
        #expect(world.plan().actions == [.create(W.order(acme), reason: "replacing the deleted Job", completes: .recreate(oldUID: "old-uid"))])
    }

    @Test func theOldFailedJobStillBeingDeletedAfterItsRestartIsNotRecordedAgain() {
        var world = W()
        let acme = W.account("acme")
        var old = Self.failedJob(acme, uid: "failed-uid")
        old.deletionTimestamp = W.now - 1
        world.accounts = [acme]
        world.jobs = [old]
        // Restart created elsewhere meanwhile? Not yet: the row still waits, and names a newer Job once created.
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobName: old.name, jobUID: "successor-uid", phase: .pending,
                                               lastFailureAt: old.failedAt, consecutiveFailures: 1)
        #expect(world.plan().actions.map(\.verb) == ["wait"])
    }

    @Test func aNewerFailureOfTheSameAccountIsRecorded() {
        var world = W()
        let acme = W.account("acme")
        let job = Self.failedJob(acme, failedAt: W.now - 10, uid: "second")
        world.accounts = [acme]
        world.jobs = [job]
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobName: job.name, jobUID: "second", phase: .running,
                                               lastFailureAt: W.now - 3600, consecutiveFailures: 1)
        #expect(world.plan().actions == [.recordFailure(accountID: "acme", job: job)])
    }

    /// A row written before restart times existed (phase `failed`, no next_restart_at): due after
    /// the policy's delay from the failure.
    @Test(arguments: [(TimeInterval(30), [String]()), (TimeInterval(3600), ["restart"])] as [(TimeInterval, [String])])
    func aFailureRecordedWithoutARestartTimeIsDueAfterThePolicysDelay(failedAgo: TimeInterval, verbs: [String]) {
        var world = W()
        world.policy.restart = RestartPolicy(delay: 600)
        let acme = W.account("acme")
        let job = Self.failedJob(acme, failedAt: W.now - failedAgo)
        world.accounts = [acme]
        world.jobs = [job]
        world.statuses["acme"] = Self.scheduled(job, at: nil, phase: .failed)
        #expect(world.plan().actions.map(\.verb) == verbs)
    }

    @Test func anAccountThatTurnedInactiveWhileWaitingIsDeletedNotRestarted() {
        var world = W()
        let job = Self.failedJob(W.account("acme"))
        world.accounts = [W.account("acme", active: false)]
        world.jobs = [job]
        world.statuses["acme"] = Self.scheduled(job, at: W.now - 60)
        #expect(world.plan().actions == [.delete(jobName: job.name, uid: job.uid, accountID: "acme", reason: "account inactive")])
    }

    @Test func anInactiveAccountWhoseFailedJobIsAlreadyGoneGetsNothing() {
        var world = W()
        world.accounts = [W.account("acme", active: false)]
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobUID: "gone", phase: .restartScheduled, consecutiveFailures: 1, nextRestartAt: W.now - 60)
        #expect(world.plan().actions.isEmpty)
    }

    /// Timestamps are whole seconds: a successor failing within a second of its predecessor is
    /// still a new failure, told apart by the row's phase, not by the time.
    @Test func aSuccessorFailingWithinASecondOfThePreviousFailureIsRecorded() {
        var world = W()
        let acme = W.account("acme")
        let job = Self.failedJob(acme, failedAt: W.now - 30, uid: "successor")
        world.accounts = [acme]
        world.jobs = [job]
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobName: job.name, jobUID: "successor", phase: .pending,
                                               lastFailureAt: W.now - 30, consecutiveFailures: 1)
        #expect(world.plan().actions == [.recordFailure(accountID: "acme", job: job)])
    }
}

import Common
import Foundation
import Testing
@testable import TenantCore

/// `AccountStatus.applying`: what each event does to an account's row (one table for every writer).
@Suite struct StatusChangeTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let waiting = AccountStatus(accountID: "acme", jobName: "worker-acme", jobUID: "failed", phase: .restartScheduled, observedGeneration: 1,
                                       lastSuccessAt: now - 86400, lastFailureAt: now - 60, consecutiveFailures: 2, nextRestartAt: now - 1,
                                       memoryOverride: "768Mi", memoryOverrideTemplate: "t1", message: "restart at …")

    static func failure(reason: String = "OOMKilled", exitCode: Int32? = 137) -> JobFailure {
        JobFailure(accountID: "acme", namespace: "ns", jobName: "worker-acme", jobUID: "u2", failedAt: now - 5, conditionReason: "BackoffLimitExceeded",
                   conditionMessage: nil, rows: [ContainerFailure(podName: "worker-acme-x", containerName: "worker", exitCode: exitCode, reason: reason, message: nil)])
    }

    @Test func aCreatedJobIsPendingAndClearsTheRestartButKeepsTheHistory() {
        let s = AccountStatus.applying(.created(jobName: "worker-acme", uid: "new", generation: 3), to: Self.waiting, accountID: "acme")
        #expect(s.phase == .pending)
        #expect(s.jobUID == "new" && s.observedGeneration == 3)
        #expect(s.nextRestartAt == nil && s.message == nil)
        #expect(s.consecutiveFailures == 2, "only a success resets the count")
        #expect(s.lastFailureAt == Self.waiting.lastFailureAt && s.memoryOverride == "768Mi")
    }

    @Test func aRecreateIsDeletingWithItsReasonAndARestartKeepsItsDueTime() {
        let recreating = AccountStatus.applying(.recreating(jobName: "worker-acme", uid: "u1", note: "recreating: spec changed"), to: nil, accountID: "acme")
        #expect(recreating.phase == .deleting && recreating.message == "recreating: spec changed" && recreating.jobUID == "u1")
        let restarting = AccountStatus.applying(.restarting(jobName: "worker-acme", uid: "failed", note: "restarting"), to: Self.waiting, accountID: "acme")
        #expect(restarting.phase == .restartScheduled && restarting.nextRestartAt == Self.waiting.nextRestartAt && restarting.message == "restarting")
    }

    @Test func aQueuedRestartKeepsItsHistoryAndSaysWhatItCompletes() {
        let queued = AccountStatus.applying(.queued(place: 2, waiting: 5, limit: 3, replacement: .restart(oldUID: "failed")), to: Self.waiting, accountID: "acme")
        #expect(queued.phase == .queued && queued.queuedFor == "restart" && queued.jobUID == "failed")
        #expect(queued.queuedReplacement == .restart(oldUID: "failed"))
        #expect(queued.message?.hasPrefix("queued: place 2 of 5 waiting for a free slot (MAX_RUNNING_JOBS 3 Jobs run at once)") == true, "\(queued.message ?? "")")
        #expect(queued.lastSuccessAt == Self.waiting.lastSuccessAt && queued.lastFailureAt == Self.waiting.lastFailureAt
                && queued.consecutiveFailures == 2, "the fair order reads them")
        // Its create, once sent, ends the queue: queued_for goes with the phase.
        let created = AccountStatus.applying(.created(jobName: "worker-acme", uid: "new", generation: 1), to: queued, accountID: "acme")
        #expect(created.phase == .pending && created.queuedFor == nil && created.message == nil)
    }

    @Test func aPlainQueuedCreateCompletesNothing() {
        let queued = AccountStatus.applying(.queued(place: 1, waiting: 1, limit: 1, replacement: nil), to: nil, accountID: "new")
        #expect(queued.phase == .queued && queued.queuedFor == nil && queued.queuedReplacement == nil && queued.jobUID == nil)
    }

    @Test(arguments: [(true, JobPhase.pending), (false, .inactive)])
    func aDequeuedAccountLeavesTheQueue(active: Bool, phase: JobPhase) {
        let queued = AccountStatus.applying(.queued(place: 1, waiting: 1, limit: 1, replacement: .recreate(oldUID: "u1")), to: nil, accountID: "a")
        let left = AccountStatus.applying(.dequeued(accountActive: active), to: queued, accountID: "a")
        #expect(left.phase == phase && left.queuedFor == nil && left.message == nil)
        // Only a queued row is touched.
        #expect(AccountStatus.applying(.dequeued(accountActive: active), to: Self.waiting, accountID: "acme") == Self.waiting)
        // A problem written while it waited (a create the API server refused) stays.
        let refused = AccountStatus.applying(.problem("Job.batch is invalid"), to: queued, accountID: "a")
        #expect(AccountStatus.applying(.dequeued(accountActive: active), to: refused, accountID: "a").message == "Job.batch is invalid")
    }

    @Test(arguments: [(Bool?.some(false), JobPhase.inactive), (nil, .deleting), (true, .deleting)])
    func aDeletedJobIsInactiveOnlyForAnInactiveAccount(active: Bool?, phase: JobPhase) {
        let s = AccountStatus.applying(.deleted(jobName: "worker-acme", uid: "failed", accountActive: active), to: Self.waiting, accountID: "acme")
        #expect(s.phase == phase)
        #expect(s.nextRestartAt == nil, "a deleted account's restart is off")
    }

    @Test func aSuccessResetsTheFailureCount() {
        let s = AccountStatus.applying(.succeeded(jobName: "worker-acme", uid: "u3", at: Self.now), to: Self.waiting, accountID: "acme")
        #expect(s.phase == .succeeded && s.lastSuccessAt == Self.now && s.consecutiveFailures == 0 && s.nextRestartAt == nil && s.message == nil)
    }

    @Test func aRecordedFailureSchedulesTheRestartAndKeepsTheOverrideWithItsTemplate() {
        let verdict = FailureVerdict(attempt: 3, decision: .at(Self.now + 600), memoryOverride: MemoryQuantity(bytes: 1 << 30))
        let s = AccountStatus.applying(.failed(Self.failure(), verdict, now: Self.now, memoryBasis: "t2"), to: Self.waiting, accountID: "acme")
        #expect(s.phase == .restartScheduled && s.nextRestartAt == Self.now + 600)
        #expect(s.jobUID == "u2" && s.lastFailureAt == Self.now - 5 && s.consecutiveFailures == 3)
        #expect(s.memoryOverride == "1Gi" && s.memoryOverrideTemplate == "t2")
        #expect(s.message?.contains("exited with code 137 (OOMKilled)") == true)
        #expect(s.message?.contains("restart at") == true)
    }

    @Test func aFailureNotRestartedIsFailedWithoutARestartTime() {
        let verdict = FailureVerdict(attempt: 1, decision: .never(reason: "account inactive"))
        let s = AccountStatus.applying(.failed(Self.failure(reason: "Error", exitCode: 1), verdict, now: Self.now, memoryBasis: "t2"), to: nil, accountID: "acme")
        #expect(s.phase == .failed && s.nextRestartAt == nil && s.message?.contains("not restarted: account inactive") == true)
        #expect(s.memoryOverride == nil)
    }

    @Test func aFailureRecordedBeforeBringsALaggingRowUpToDate() {
        let lagging = AccountStatus(accountID: "acme", jobUID: "u2", phase: .running, consecutiveFailures: 0)
        let s = AccountStatus.applying(.failureRecordedBefore(jobName: "worker-acme", uid: "u2", failedAt: Self.now - 5, attempt: 2, restartAt: Self.now + 60),
                                       to: lagging, accountID: "acme")
        #expect(s.phase == .restartScheduled && s.nextRestartAt == Self.now + 60 && s.consecutiveFailures == 2 && s.lastFailureAt == Self.now - 5)
    }

    @Test func aFailureRecordedBeforeLeavesARowThatMovedOnAlone() {
        let moved = AccountStatus(accountID: "acme", jobUID: "successor", phase: .pending, lastFailureAt: Self.now - 5, consecutiveFailures: 1)
        let s = AccountStatus.applying(.failureRecordedBefore(jobName: "worker-acme", uid: "u2", failedAt: Self.now - 5, attempt: 1, restartAt: Self.now),
                                       to: moved, accountID: "acme")
        #expect(s == moved)
    }

    @Test func aProblemOnlySetsTheMessage() {
        var expected = Self.waiting
        expected.message = "422 Invalid"
        #expect(AccountStatus.applying(.problem("422 Invalid"), to: Self.waiting, accountID: "acme") == expected)
    }

    @Test func anOverrideComputedForAnotherTemplateIsNotUsed() throws {
        let template = try JobTemplate.parse(yaml: TemplateFixtures.minimal(), file: "t.yaml")
        var status = Self.waiting
        #expect(status.memoryOverride(for: template) == nil)
        status.memoryOverrideTemplate = template.contentHash
        #expect(status.memoryOverride(for: template) == "768Mi")
    }
}

/// `ActionRecords`: the status change and audit rows an action's result leaves behind.
@Suite struct ActionRecordsTests {
    static let order = JobOrder(name: "worker-acme", account: Account(id: "acme", generation: 2))
    static let old = ObservedJob(name: "worker-acme", uid: "old-uid", annotations: ["tenant-provisioner/account-id": "acme"], failedAt: Date(timeIntervalSince1970: 0))
    static let create = PlannedAction.create(order, reason: "new account")
    static let delete = PlannedAction.delete(jobName: "worker-acme", uid: "old-uid", accountID: "acme", reason: "account inactive")
    static let recreate = PlannedAction.recreate(old: old, successor: order, specHash: "hash-2", reason: "spec changed")
    static let restart = PlannedAction.restart(old: old, accountID: "acme", reason: "restart of the failed Job")
    static let restartCreate = PlannedAction.create(order, reason: "scheduled restart is due", completes: .restart(oldUID: "old-uid"))

    static func records(_ action: PlannedAction, _ result: ActionResult, newUID: String? = nil, active: Bool? = true) -> (status: StatusChange?, audit: [AuditEntry]) {
        // A create that was sent carries the hash of what was rendered.
        let specHash: String? = if case .create = action, newUID != nil { "hash-2" } else { nil }
        return ActionRecords.of(action, result: result, newUID: newUID, specHash: specHash, accountActive: active, namespace: "ns")
    }

    @Test func aDoneCreateIsAuditedWithItsHashAndGeneration() {
        let (status, audit) = Self.records(Self.create, .done, newUID: "new-uid")
        #expect(status == .created(jobName: "worker-acme", uid: "new-uid", generation: 2))
        #expect(audit == [AuditEntry(action: "create", accountID: "acme", namespace: "ns", jobName: "worker-acme", jobUID: "new-uid", reason: "new account",
                                     details: ["spec_hash": "hash-2", "generation": 2, "result": "done"])])
    }

    @Test func aDoneDeleteIsAuditedAsForeground() {
        let (status, audit) = Self.records(Self.delete, .done, active: false)
        #expect(status == .deleted(jobName: "worker-acme", uid: "old-uid", accountActive: false))
        #expect(audit.first?.action == "delete" && audit.first?.jobUID == "old-uid" && audit.first?.details["propagation_policy"] == "Foreground")
        // Already gone: the row is written the same, the cluster did not change.
        let gone = Self.records(Self.delete, .unnecessary("gone"), active: false)
        #expect(gone.status == status && gone.audit.isEmpty)
    }

    @Test func aRecreateWritesItsIntentFirstAndAuditsBothHalves() {
        #expect(ActionRecords.intent(Self.recreate) == .recreating(jobName: "worker-acme", uid: "old-uid", note: "recreating: spec changed"))
        let (status, audit) = Self.records(Self.recreate, .done)
        #expect(status == nil, "the intent already wrote the row")
        #expect(audit.first?.action == "recreate" && audit.first?.details["step"] == "delete" && audit.first?.jobUID == "old-uid")
        let successor = Self.records(.create(Self.order, reason: "replacing the deleted Job", completes: .recreate(oldUID: "old-uid")), .done, newUID: "new")
        #expect(successor.audit.first?.action == "recreate" && successor.audit.first?.details["step"] == "create")
        #expect(successor.audit.first?.details["old_uid"] == "old-uid" && successor.audit.first?.jobUID == "new")
    }

    @Test func aRestartAuditsItsDeleteAndItsCreateUnderRestart() {
        #expect(ActionRecords.intent(Self.restart) == nil, "the row already reads restart_scheduled")
        let (status, audit) = Self.records(Self.restart, .done)
        #expect(status == .restarting(jobName: "worker-acme", uid: "old-uid", note: "restarting: the failed Job is being deleted (restart of the failed Job)"))
        #expect(audit.first?.action == "restart" && audit.first?.details["step"] == "delete")
        let created = Self.records(Self.restartCreate, .done, newUID: "new")
        #expect(created.status == .created(jobName: "worker-acme", uid: "new", generation: 2))
        #expect(created.audit.first?.action == "restart" && created.audit.first?.details["step"] == "create" && created.audit.first?.details["old_uid"] == "old-uid")
    }

    /// RESOLVE_IMAGE_DIGESTS: the row and the audit say what a workload was pinned to, and a
    /// roll's audit entry gives each image's old and new digest.
    @Test func pinsGoToTheRowAndARollsAuditNamesOldAndNewDigest() {
        let old = "sha256:" + String(repeating: "1", count: 64), new = "sha256:" + String(repeating: "2", count: 64)
        let pins = ImagePins(["docker.io/library/worker:1.4": new])
        let created = ActionRecords.of(Self.create, result: .done, newUID: "new", pins: pins, accountActive: true, namespace: "ns")
        #expect(created.status == .created(jobName: "worker-acme", uid: "new", generation: 2, imageDigests: pins.text))
        #expect(created.audit.first?.details["image_digests"] == ["docker.io/library/worker:1.4": .string(new)])
        #expect(AccountStatus.applying(created.status!, to: nil, accountID: "acme").imageDigests == pins.text)
        // Nothing pinned: no digests in the row.
        let plain = ActionRecords.of(Self.create, result: .done, newUID: "new", pins: ImagePins(), accountActive: true, namespace: "ns")
        #expect(plain.status == .created(jobName: "worker-acme", uid: "new", generation: 2, imageDigests: nil))

        var successor = Self.order
        successor.pins = pins
        successor.imageChanges = [ImageChange(image: "docker.io/library/worker:1.4", from: old, to: new)]
        successor.isImageRoll = true
        let roll = PlannedAction.recreate(old: Self.old, successor: successor, specHash: "hash-3", reason: "image roll (tag moved): …")
        let audit = Self.records(roll, .done).audit
        #expect(audit.first?.action == "recreate")
        #expect(audit.first?.details["image_changes"] == [["image": "docker.io/library/worker:1.4", "from": .string(old), "to": .string(new)]])
        #expect(audit.first?.details["image_roll"] == true)
    }

    @Test func rejectedAndFailedActionsLeaveTheirMessageButOnlyARejectionIsAudited() {
        let rejected = Self.records(Self.create, .rejected("422 Invalid"))
        #expect(rejected.status == .problem("422 Invalid") && rejected.audit.first?.details["result"] == "rejected")
        // Refused before it was sent (the render failed): no spec hash to name.
        #expect(rejected.audit.first?.details["spec_hash"] == nil && rejected.audit.first?.details["generation"] == 2)
        let failed = Self.records(Self.restart, .failed("timeout"))
        #expect(failed.status == .problem("timeout") && failed.audit.isEmpty)
    }

    @Test func actionsThatChangedNothingWriteNothing() {
        for result: ActionResult in [.unnecessary("exists"), .nameTaken(ObservedJob(name: "worker-acme", uid: "foreign"))] {
            let (status, audit) = Self.records(Self.restartCreate, result)
            #expect(status == nil && audit.isEmpty)
        }
    }
}

/// `ObservedStatus.updates`: rows whose phase no longer matches what the watch cache shows.
@Suite struct ObservedStatusTests {
    static let created = Date(timeIntervalSince1970: 1_700_000_000)

    static func job(_ account: String, uid: String, instance: String = "default", managed: Bool = true, completed: Bool = false,
                    failed: Bool = false, terminating: Bool = false) -> ObservedJob {
        var labels: StringPairs = ["tenant-provisioner/instance": instance, "tenant-provisioner/account": account]
        if managed { labels["app.kubernetes.io/managed-by"] = "tenant-provisioner" }
        return ObservedJob(name: "worker-\(account)", uid: uid, labels: labels, annotations: ["tenant-provisioner/account-id": account],
                           creationTimestamp: created, deletionTimestamp: terminating ? created + 5 : nil,
                           completedAt: completed ? created + 10 : nil, failedAt: failed ? created + 10 : nil)
    }

    static func status(_ account: String, _ phase: JobPhase, uid: String? = "u1") -> AccountStatus {
        AccountStatus(accountID: account, jobName: "worker-\(account)", jobUID: uid, phase: phase)
    }

    static func updates(jobs: [ObservedJob], statuses: [AccountStatus], active: [String: Bool] = [:]) -> [String: AccountStatus] {
        let index = JobIndex(instance: "default", jobs: jobs)
        let updates = ObservedStatus.updates(index: index, statuses: Dictionary(uniqueKeysWithValues: statuses.map { ($0.accountID, $0) }),
                                             isActive: { active[$0] ?? true })
        return Dictionary(uniqueKeysWithValues: updates.map { ($0.accountID, $0) })
    }

    static func phases(jobs: [ObservedJob], statuses: [AccountStatus], active: [String: Bool] = [:]) -> [String: JobPhase] {
        updates(jobs: jobs, statuses: statuses, active: active).mapValues(\.phase)
    }

    @Test func aPendingAccountWhoseJobExistsIsRunning() {
        #expect(Self.phases(jobs: [Self.job("a", uid: "u1")], statuses: [Self.status("a", .pending)]) == ["a": .running])
    }

    @Test func aDeletingAccountWhoseJobIsGoneIsInactiveUnlessItIsActive() {
        #expect(Self.phases(jobs: [], statuses: [Self.status("a", .deleting)], active: ["a": false]) == ["a": .inactive])
        #expect(Self.phases(jobs: [], statuses: [Self.status("a", .deleting)], active: ["a": true]).isEmpty, "its successor is created by the planner")
    }

    @Test func aRunningAccountWhoseJobVanishedIsPending() {
        #expect(Self.phases(jobs: [], statuses: [Self.status("a", .running), Self.status("b", .pending)]) == ["a": .pending])
    }

    @Test func aWaitingRestartWhoseJobVanishedKeepsWaiting() {
        #expect(Self.phases(jobs: [], statuses: [Self.status("a", .restartScheduled)]).isEmpty)
    }

    @Test func rowsThatNeverHadAJobAreLeftAlone() {
        #expect(Self.phases(jobs: [], statuses: [Self.status("a", .running, uid: nil), Self.status("b", .deleting, uid: nil)], active: ["b": false]).isEmpty)
    }

    @Test func finishedFailedOrTerminatingJobsChangeNothing() {
        let statuses = [Self.status("a", .pending), Self.status("b", .pending), Self.status("c", .pending)]
        let jobs = [Self.job("a", uid: "u1", completed: true), Self.job("b", uid: "u1", failed: true), Self.job("c", uid: "u1", terminating: true)]
        #expect(Self.phases(jobs: jobs, statuses: statuses).isEmpty)
    }

    /// A leader that created the Job and died before writing the row: the next one adopts it.
    @Test(arguments: [JobPhase.pending, .running, .deleting, .restartScheduled])
    func aLiveJobUnderAnotherUIDIsAdopted(phase: JobPhase) throws {
        var waiting = Self.status("a", phase, uid: "old")
        waiting.nextRestartAt = Self.created
        let row = try #require(Self.updates(jobs: [Self.job("a", uid: "successor")], statuses: [waiting])["a"])
        #expect(row.jobUID == "successor" && row.phase == .running && row.nextRestartAt == nil)
    }

    @Test func noAdoptionForAnInactiveAccountOrAFinishedPhase() {
        #expect(Self.phases(jobs: [Self.job("a", uid: "other")], statuses: [Self.status("a", .running)], active: ["a": false]).isEmpty)
        #expect(Self.phases(jobs: [Self.job("b", uid: "other")], statuses: [Self.status("b", .succeeded)]).isEmpty)
    }

    @Test func jobsOfAnotherInstanceOrUnmanagedOnesCountAsAbsent() {
        let jobs = [Self.job("a", uid: "u1", instance: "other"), Self.job("b", uid: "u1", managed: false)]
        #expect(Self.phases(jobs: jobs, statuses: [Self.status("a", .running), Self.status("b", .deleting)], active: ["b": false]) == ["a": .pending, "b": .inactive])
    }

    @Test func statusesAlreadyRightProduceNoWrites() {
        #expect(Self.phases(jobs: [Self.job("a", uid: "u1")], statuses: [Self.status("a", .running)]).isEmpty)
    }
}

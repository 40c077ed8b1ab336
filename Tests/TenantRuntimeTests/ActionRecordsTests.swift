import Common
import Foundation
import TenantCore
import Testing
@testable import TenantRuntime

/// `ActionExecutor.statusChange` and `auditEntries`: the rows an action's outcome leaves behind.
@Suite struct ActionRecordsTests {
    static let desired = DesiredJob(accountID: "acme", name: "worker-acme", suffix: "acme", manifest: ["kind": "Job"], specHash: "hash-2", generation: 2)
    static let old = ObservedJob(name: "worker-acme", uid: "old-uid", annotations: ["tenant-provisioner/account-id": "acme"])

    static func outcome(_ action: PlannedAction, _ result: ActionOutcome.Result, newUID: String? = nil, active: Bool? = true) -> ActionOutcome {
        ActionOutcome(item: WorkItem(key: "acme", action: action, accountActive: active, enqueuedAt: Date(timeIntervalSince1970: 0), urgent: false),
                      result: result, newUID: newUID)
    }

    static let create = PlannedAction.create(desired, reason: "new account")
    static let delete = PlannedAction.delete(jobName: "worker-acme", uid: "old-uid", accountID: "acme", reason: "account inactive")
    static let recreate = PlannedAction.recreate(old: old, desired: desired, reason: "spec changed")

    static func change(_ outcome: ActionOutcome, from current: AccountStatus? = nil) -> AccountStatus? {
        ActionExecutor.statusChange(outcome)(current, "acme")
    }

    @Test func aDoneCreateRecordsThePendingJobAndClearsTheMessage() throws {
        let before = AccountStatus(accountID: "acme", phase: .failed, nextRestartAt: Date(), message: "old problem")
        let status = try #require(Self.change(Self.outcome(Self.create, .done, newUID: "new-uid"), from: before))
        #expect(status == AccountStatus(accountID: "acme", jobName: "worker-acme", jobUID: "new-uid", phase: .pending, observedGeneration: 2))

        let audit = ActionExecutor.auditEntries(Self.outcome(Self.create, .done, newUID: "new-uid"), namespace: "ns")
        #expect(audit == [AuditEntry(action: "create", accountID: "acme", namespace: "ns", jobName: "worker-acme", jobUID: "new-uid", reason: "new account",
                                     details: ["spec_hash": "hash-2", "generation": 2, "result": "done"])])
    }

    @Test func aDoneDeleteIsInactiveForAnInactiveAccountAndDeletingOtherwise() throws {
        let inactive = try #require(Self.change(Self.outcome(Self.delete, .done, active: false)))
        #expect(inactive.phase == .inactive)
        #expect(inactive.jobUID == "old-uid")
        #expect(try #require(Self.change(Self.outcome(Self.delete, .done, active: nil))).phase == .deleting)
        // Already gone counts the same for the status row, but the cluster did not change: no audit.
        #expect(try #require(Self.change(Self.outcome(Self.delete, .unnecessary("gone"), active: false))).phase == .inactive)
        #expect(ActionExecutor.auditEntries(Self.outcome(Self.delete, .unnecessary("gone")), namespace: "ns").isEmpty)

        let audit = try #require(ActionExecutor.auditEntries(Self.outcome(Self.delete, .done, active: false), namespace: "ns").first)
        #expect(audit.action == "delete")
        #expect(audit.jobUID == "old-uid")
        #expect(audit.details["propagation_policy"] == "Foreground")
    }

    @Test func aDoneRecreateAuditsTheOldAndNewJob() throws {
        let audit = try #require(ActionExecutor.auditEntries(Self.outcome(Self.recreate, .done, newUID: "new-uid"), namespace: "ns").first)
        #expect(audit.action == "recreate")
        #expect(audit.jobUID == "new-uid")
        #expect(audit.details["old_uid"] == "old-uid")
        #expect(audit.details["spec_hash"] == "hash-2")
        #expect(try #require(Self.change(Self.outcome(Self.recreate, .done, newUID: "new-uid"))).jobUID == "new-uid")
    }

    @Test func aRecreateStillWaitingIsDeletingWithTheReason() throws {
        let status = try #require(Self.change(Self.outcome(Self.recreate, .pending("still being deleted"))))
        #expect(status.phase == .deleting)
        #expect(status.message == "still being deleted")
        let audit = try #require(ActionExecutor.auditEntries(Self.outcome(Self.recreate, .pending("still being deleted")), namespace: "ns").first)
        #expect(audit.details["result"] == "pending")
    }

    @Test func rejectedAndFailedActionsLeaveTheirMessageButOnlyARejectionIsAudited() throws {
        let rejected = try #require(Self.change(Self.outcome(Self.create, .rejected("422 Invalid"))))
        #expect(rejected.message == "422 Invalid")
        #expect(ActionExecutor.auditEntries(Self.outcome(Self.create, .rejected("422 Invalid")), namespace: "ns").first?.details["result"] == "rejected")
        let failed = try #require(Self.change(Self.outcome(Self.create, .failed("timeout"))))
        #expect(failed.message == "timeout")
        #expect(ActionExecutor.auditEntries(Self.outcome(Self.create, .failed("timeout")), namespace: "ns").isEmpty)
    }

    @Test func actionsThatChangedNothingWriteNothing() {
        let foreign = ObservedJob(name: "worker-acme", uid: "foreign")
        for result: ActionOutcome.Result in [.unnecessary("exists"), .nameTaken(foreign)] {
            #expect(Self.change(Self.outcome(Self.create, result)) == nil)
            #expect(ActionExecutor.auditEntries(Self.outcome(Self.create, result), namespace: "ns").isEmpty)
        }
        let current = AccountStatus(accountID: "acme", jobName: "worker-acme", jobUID: "old-uid", phase: .inactive)
        #expect(Self.change(Self.outcome(Self.delete, .done, active: false), from: current) == nil, "an unchanged row is not rewritten")
    }
}

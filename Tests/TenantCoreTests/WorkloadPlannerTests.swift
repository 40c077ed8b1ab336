import Common
import Foundation
import Testing
@testable import TenantCore

/// The planner with a Deployment template: one planner, the same naming, labels and delete
/// budget; a changed spec is an update in place; a stalled rollout is recorded, never restarted.
@Suite struct DeploymentPlannerTests {
    static let template = try! JobTemplate.parse(yaml: JobTemplateParseTests.deployment, file: "d.yaml")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func account(_ id: String, active: Bool = true, generation: Int64 = 1, tag: String = "v1") -> Account {
        Account(id: id, isActive: active, config: ["tag": .string(tag)], generation: generation)
    }

    static func order(_ account: Account) -> JobOrder {
        JobOrder(name: "worker-\(account.id)", account: account, memoryOverride: nil)
    }

    /// The Deployment as the watch shows it after the provisioner created it for `account`.
    static func deployment(for account: Account, uid: String = "uid-1", available: Bool = true) -> ObservedJob {
        let rendered = try! template.render(account: account, namespace: "tenants", instance: "default")
        let metadata = rendered.manifest["metadata"]!
        return ObservedJob(name: rendered.name, uid: uid, labels: StringPairs((metadata["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)),
                           annotations: StringPairs((metadata["annotations"]?.objectValue ?? [:]).compactMapValues(\.stringValue)),
                           creationTimestamp: now - 600, unavailable: !available)
    }

    static func plan(_ accounts: [Account], _ objects: [ObservedJob], statuses: [String: AccountStatus] = [:], budget: Int = 100) -> [PlannedAction] {
        Planner.plan(accounts: accounts, jobs: objects, statuses: statuses, template: template, namespace: "tenants",
                     policy: PlanPolicy(instance: "default", deleteBudget: budget), now: now).actions
    }

    @Test func aMissingDeploymentIsCreated() {
        let acme = Self.account("acme")
        #expect(Self.plan([acme], []) == [.create(Self.order(acme), reason: "new account")])
        let status = AccountStatus(accountID: "acme", phase: .succeeded, lastSuccessAt: Self.now - 60)
        #expect(Self.plan([acme], [], statuses: ["acme": status]).map(\.reason) == ["no Deployment for the active account"],
                "nothing like a Job's success keeps it away")
    }

    @Test func aChangedAccountIsAnUpdateInPlaceNotARecreate() throws {
        let old = Self.account("acme", generation: 1, tag: "v1")
        let new = Self.account("acme", generation: 2, tag: "v2")
        let existing = Self.deployment(for: old)
        let actions = Self.plan([new], [existing], statuses: ["acme": AccountStatus(accountID: "acme", jobUID: "uid-1", phase: .running, observedGeneration: 1)])
        let desired = try Self.template.render(account: new, namespace: "tenants", instance: "default")
        #expect(actions == [.update(old: existing, successor: Self.order(new), specHash: desired.specHash, reason: "spec changed (generation 1 → 2)")])
        #expect(actions.first?.verb == "update")
        // `provisioner plan` and DRY_RUN show it as such.
        let printed = Plan(actions: actions).description
        #expect(printed.hasPrefix("update  worker-acme  account \"acme\": spec changed (generation 1 → 2)"), "\(printed)")
        #expect(printed.hasSuffix("Plan: 0 to create, 0 to recreate, 0 to delete, 1 to update in place."), "\(printed)")
    }

    @Test func aDeploymentInPlaceIsLeftAloneWhateverItsAvailability() {
        let acme = Self.account("acme")
        #expect(Self.plan([acme], [Self.deployment(for: acme)]).isEmpty)
        #expect(Self.plan([acme], [Self.deployment(for: acme, available: false)]).isEmpty, "rolling out: Kubernetes' business")
    }

    @Test func inactiveAccountsLoseTheirDeploymentWithinTheBudget() {
        let accounts = ["a", "b", "c"].map { Self.account($0, active: false) }
        let actions = Self.plan(accounts, accounts.map { Self.deployment(for: $0, uid: "uid-\($0.id)") }, budget: 2)
        #expect(actions.map(\.verb) == ["delete", "delete", "defer-delete"])
        #expect(actions.map(\.jobName) == ["worker-a", "worker-b", "worker-c"])
    }

    /// A rollout past its progress deadline is recorded once (the executor reads the pods), never
    /// restarted; a new spec is still applied (it may be the fix).
    @Test func aStalledRolloutIsRecordedOnceAndNeverRestarted() throws {
        let acme = Self.account("acme")
        var stalled = Self.deployment(for: acme, available: false)
        stalled.failedAt = Self.now - 30
        stalled.failedReason = "ProgressDeadlineExceeded"
        let fresh = AccountStatus(accountID: "acme", jobUID: "uid-1", phase: .pending)
        #expect(Self.plan([acme], [stalled], statuses: ["acme": fresh]) == [.recordFailure(accountID: "acme", job: stalled)])
        let recorded = AccountStatus.applying(.rolloutFailed(jobName: stalled.name, uid: "uid-1", at: Self.now - 30, message: "m"), to: fresh, accountID: "acme")
        #expect(recorded.phase == .failed && recorded.lastFailureAt == Self.now - 30 && recorded.message == "m")
        #expect(Self.plan([acme], [stalled], statuses: ["acme": recorded]).isEmpty, "recorded: nothing more, no restart")
        let changed = Self.account("acme", generation: 2, tag: "v2")
        #expect(Self.plan([changed], [stalled], statuses: ["acme": recorded]).map(\.verb) == ["update"])
    }

    @Test func theRowFollowsAvailability() {
        let acme = Self.account("acme")
        func phase(_ object: ObservedJob?, _ status: AccountStatus) -> AccountStatus? {
            ObservedStatus.updates(index: JobIndex(instance: "default", jobs: object.map { [$0] } ?? []), statuses: ["acme": status],
                                   kind: .deployment, isActive: { _ in true }).first
        }
        let pending = AccountStatus(accountID: "acme", jobName: "worker-acme", jobUID: "uid-1", phase: .pending)
        #expect(phase(Self.deployment(for: acme, available: false), pending) == nil, "still rolling out")
        #expect(phase(Self.deployment(for: acme), pending)?.phase == .running)
        var failed = pending
        failed.phase = .failed
        failed.message = "Deployment worker-acme is not progressing"
        let healed = phase(Self.deployment(for: acme), failed)
        #expect(healed?.phase == .running && healed?.message == nil, "progressing again: the failure message goes")
        var running = pending
        running.phase = .running
        #expect(phase(nil, running)?.phase == .pending, "deleted by hand: pending until it is back")
        #expect(phase(Self.deployment(for: acme, uid: "uid-2"), running)?.jobUID == "uid-2", "a Deployment made by a leader that died is adopted")
    }

    @Test func theFailureMessageNamesTheConditionAndTheCrashingContainers() {
        var object = Self.deployment(for: Self.account("acme"), available: false)
        object.failedAt = Self.now
        object.failedReason = "ProgressDeadlineExceeded"
        object.failedMessage = "ReplicaSet \"worker-acme-5d8f\" has timed out progressing."
        let message = RolloutFailure.message(object, containers: [
            ContainerRestarts(pod: "worker-acme-5d8f-x", container: "sidecar", restartCount: 0),
            ContainerRestarts(pod: "worker-acme-5d8f-x", container: "main", restartCount: 7, lastReason: "Error", lastExitCode: 1, waitingReason: "CrashLoopBackOff"),
        ])
        #expect(message == "Deployment worker-acme is not progressing (condition Progressing False, reason ProgressDeadlineExceeded): ReplicaSet \"worker-acme-5d8f\" has timed out progressing.; container main of pod worker-acme-5d8f-x restarted 7 times, last terminated Error (exit code 1), now CrashLoopBackOff")
        let many = (0..<5).map { ContainerRestarts(pod: "p", container: "c\($0)", restartCount: $0 + 1) }
        let cut = RolloutFailure.message(object, containers: many)
        #expect(cut.contains("container c4 of pod p restarted 5 times") && !cut.contains("c1 ") && cut.hasSuffix("; and 2 more"))
    }
}

/// The planner with a CronJob template: the CronJob updated in place; the Jobs it creates are
/// its runs, recorded (success, failure) once each and never deleted or restarted.
@Suite struct CronJobPlannerTests {
    static let template = try! JobTemplate.parse(yaml: JobTemplateParseTests.cronJob, file: "c.yaml")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let acme = Account(id: "acme", isActive: true, config: ["tag": "v1"], generation: 1)

    static func cronJob(for account: Account) -> ObservedJob {
        let rendered = try! template.render(account: account, namespace: "tenants", instance: "default")
        let metadata = rendered.manifest["metadata"]!
        return ObservedJob(name: rendered.name, uid: "cron-uid", labels: StringPairs((metadata["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)),
                           annotations: StringPairs((metadata["annotations"]?.objectValue ?? [:]).compactMapValues(\.stringValue)), creationTimestamp: now - 3600)
    }

    /// A Job the CronJob created: the job template's labels and account annotation.
    static func run(_ minute: Int, completed: Bool = false, failed: Bool = false) -> ObservedJob {
        let labels: StringPairs = [ManagedMetadata.managedByLabel: ManagedMetadata.managedByValue, ManagedMetadata.instanceLabel: "default",
                                   ManagedMetadata.accountLabel: "acme"]
        return ObservedJob(name: "sync-acme-\(29_000_000 + minute)", uid: "run-\(minute)", labels: labels,
                           annotations: [ManagedMetadata.accountIDAnnotation: "acme"], creationTimestamp: now - 600,
                           completedAt: completed ? now - Double(600 - minute * 60) : nil, failedAt: failed ? now - Double(600 - minute * 60) : nil,
                           failedReason: failed ? "BackoffLimitExceeded" : nil)
    }

    static func plan(_ accounts: [Account], _ cronJobs: [ObservedJob], runs: [ObservedJob], status: AccountStatus? = nil) -> [PlannedAction] {
        var memo = PlanMemo()
        var byID: [String: Account] = [:]
        for account in accounts { byID[account.id] = account }
        return Planner.plan(accounts: byID, index: JobIndex(instance: "default", jobs: cronJobs), runs: JobIndex(instance: "default", jobs: runs),
                            statuses: status.map { [$0.accountID: $0] } ?? [:], template: template, namespace: "tenants",
                            policy: PlanPolicy(instance: "default", deleteBudget: 100), now: now, memo: &memo).actions
    }

    @Test func runsAreRecordedOnceAndNeverDeletedOrRestarted() {
        let cron = Self.cronJob(for: Self.acme)
        let ok = Self.run(1, completed: true)
        let bad = Self.run(2, failed: true)
        let running = Self.run(3)
        let actions = Self.plan([Self.acme], [cron], runs: [ok, bad, running])
        #expect(actions == [.recordSuccess(accountID: "acme", jobName: ok.name, uid: ok.uid, completedAt: ok.completedAt!),
                            .recordFailure(accountID: "acme", job: bad)])
        // Both recorded (the row's last times have caught up): nothing at all, the runs stay.
        let status = AccountStatus(accountID: "acme", jobName: cron.name, jobUID: cron.uid, phase: .failed, lastSuccessAt: ok.completedAt,
                                   lastFailureAt: bad.failedAt, consecutiveFailures: 1)
        #expect(Self.plan([Self.acme], [cron], runs: [ok, bad, running], status: status).isEmpty)
    }

    @Test func aChangedAccountUpdatesTheCronJobInPlace() {
        let changed = Account(id: "acme", isActive: true, config: ["tag": "v2"], generation: 2)
        #expect(Self.plan([changed], [Self.cronJob(for: Self.acme)], runs: []).map(\.verb) == ["update"])
    }

    @Test func anInactiveAccountLosesItsCronJobOnlyAndItsRunsAreRecordedFirst() {
        let inactive = Account(id: "acme", isActive: false, config: ["tag": "v1"], generation: 1)
        let actions = Self.plan([inactive], [Self.cronJob(for: Self.acme)], runs: [Self.run(1, completed: true)])
        #expect(actions.map(\.verb) == ["record-success", "delete"])
        #expect(actions.last?.jobName == "sync-acme", "the CronJob; its Jobs go with it (Foreground)")
    }

    @Test func aRunSucceededKeepsTheRowOnTheCronJob() {
        let before = AccountStatus(accountID: "acme", jobName: "sync-acme", jobUID: "cron-uid", phase: .failed, lastFailureAt: Self.now - 60, consecutiveFailures: 2,
                                   message: "run failed")
        let after = AccountStatus.applying(.runSucceeded(at: Self.now), to: before, accountID: "acme")
        #expect(after.jobName == "sync-acme" && after.jobUID == "cron-uid" && after.phase == .succeeded)
        #expect(after.lastSuccessAt == Self.now && after.consecutiveFailures == 0 && after.message == nil)
        let failure = JobFailure(accountID: "acme", namespace: "tenants", jobName: "sync-acme-29000001", jobUID: "run-1", failedAt: Self.now,
                                 conditionReason: "BackoffLimitExceeded", conditionMessage: nil, rows: [])
        let failed = AccountStatus.applying(.runFailed(failure, attempt: 1), to: after, accountID: "acme")
        #expect(failed.jobUID == "cron-uid" && failed.phase == .failed && failed.lastFailureAt == Self.now && failed.consecutiveFailures == 1)
        #expect(failed.nextRestartAt == nil && failed.message?.contains("not restarted, the CronJob's next schedule runs again") == true)
        // A success clears the failed run's message, not a problem of the account.
        #expect(AccountStatus.applying(.runSucceeded(at: Self.now + 60), to: failed, accountID: "acme").message == nil)
        var refused = after
        refused.message = "update refused: forbidden"
        #expect(AccountStatus.applying(.runSucceeded(at: Self.now + 60), to: refused, accountID: "acme").message == "update refused: forbidden")
    }
}

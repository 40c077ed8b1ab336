import Common
import Foundation
import Testing
@testable import TenantCore

/// Builds the world one planner test looks at.
struct PlannerWorld {
    static let template = try! JobTemplate.parse(yaml: """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: tenant
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: main
                  image: "worker:{{ config.tag }}"
        """, file: "t.yaml")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let namespace = "tenants"

    var accounts: [Account] = []
    var jobs: [ObservedJob] = []
    var statuses: [String: AccountStatus] = [:]
    var policy = PlanPolicy(instance: "default", deleteBudget: 100)

    static func account(_ id: String, active: Bool = true, generation: Int64 = 1, tag: String = "v1") -> Account {
        Account(id: id, isActive: active, config: ["tag": .string(tag)], generation: generation)
    }

    static func desired(_ account: Account, instance: String = "default") -> RenderedJob {
        try! template.render(account: account, namespace: namespace, instance: instance)
    }

    /// What a create of `account`'s Job carries: name and account, not rendered.
    static func order(_ account: Account, memoryOverride: String? = nil) -> JobOrder {
        JobOrder(name: JobNaming.name(prefix: template.prefix, accountID: account.id).name, account: account, memoryOverride: memoryOverride)
    }

    /// The recreate of `old`'s Job for `new`.
    static func recreate(_ old: Account, as new: Account, reason: String) -> PlannedAction {
        .recreate(old: job(for: old), successor: order(new), specHash: desired(new).specHash, reason: reason)
    }

    /// The Job as the watch cache sees it after the provisioner created it for `account`.
    static func job(for account: Account, instance: String = "default", uid: String? = nil) -> ObservedJob {
        let desired = desired(account, instance: instance)
        let metadata = desired.manifest["metadata"]!
        return ObservedJob(
            name: desired.name,
            uid: uid ?? "uid-\(desired.name)",
            labels: StringPairs((metadata["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)),
            annotations: StringPairs((metadata["annotations"]?.objectValue ?? [:]).compactMapValues(\.stringValue)),
            creationTimestamp: now - 3600
        )
    }

    func plan(now: Date = PlannerWorld.now) -> Plan {
        Planner.plan(accounts: accounts, jobs: jobs, statuses: statuses, template: Self.template, namespace: Self.namespace, policy: policy, now: now)
    }

    /// A plan that starts from and adds to `memo`, as the reconciler's passes do.
    func plan(now: Date = PlannerWorld.now, memo: inout PlanMemo) -> Plan {
        Planner.plan(accounts: accounts, index: JobIndex(instance: policy.instance, jobs: jobs), statuses: statuses, template: Self.template,
                     namespace: Self.namespace, policy: policy, now: now, memo: &memo)
    }
}

@Suite struct PlannerTests {
    typealias W = PlannerWorld

    @Test func activeAccountWithoutJobIsCreated() {
        var world = W()
        let acme = W.account("acme")
        world.accounts = [acme]
        #expect(world.plan().actions == [.create(W.order(acme), reason: "new account")])
    }

    @Test func reactivatedAccountIsCreatedWithThatReason() {
        var world = W()
        world.accounts = [W.account("acme")]
        world.statuses["acme"] = AccountStatus(accountID: "acme", phase: .inactive)
        #expect(world.plan().actions.map(\.reason) == ["account activated"])
    }

    /// A queued account is created when the runtime lets it through, completing what its row
    /// says it waits for: a leader that takes over finishes a waiting restart as a restart.
    @Test(arguments: [(String?.none, Replacement?.none, "queued for a free slot (MAX_RUNNING_JOBS)"),
                      ("restart", .restart(oldUID: "old"), "restart waiting for a free slot (MAX_RUNNING_JOBS)"),
                      ("recreate", .recreate(oldUID: "old"), "recreate waiting for a free slot (MAX_RUNNING_JOBS)")])
    func queuedAccountIsCreatedCompletingWhatItWaitsFor(queuedFor: String?, completes: Replacement?, reason: String) {
        var world = W()
        let acme = W.account("acme")
        world.accounts = [acme]
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobUID: "old", phase: .queued, queuedFor: queuedFor)
        #expect(world.plan().actions == [.create(W.order(acme), reason: reason, completes: completes)])
    }

    @Test func jobMatchingItsSpecIsLeftAlone() {
        var world = W()
        let acme = W.account("acme")
        world.accounts = [acme]
        world.jobs = [W.job(for: acme)]
        #expect(world.plan().actions.isEmpty)
    }

    @Test func driftedJobIsRecreatedNamingTheGenerations() {
        var world = W()
        let old = W.account("acme", generation: 3)
        let new = W.account("acme", generation: 4, tag: "v2")
        world.accounts = [new]
        world.jobs = [W.job(for: old)]
        world.statuses["acme"] = AccountStatus(accountID: "acme", phase: .running, observedGeneration: 3)
        #expect(world.plan().actions == [W.recreate(old, as: new, reason: "spec changed (generation 3 → 4)")])
    }

    @Test func templateDriftIsRecreatedNamingTheHashes() {
        var world = W()
        let acme = W.account("acme")
        var job = W.job(for: acme)
        job.annotations[ManagedMetadata.specHashAnnotation] = "0123456789abcdef"
        world.accounts = [acme]
        world.jobs = [job]
        world.statuses["acme"] = AccountStatus(accountID: "acme", phase: .running, observedGeneration: 1)
        let reason = world.plan().actions.first?.reason ?? ""
        #expect(reason.hasPrefix("spec changed (template or account data; spec hash 0123456789ab → "))
    }

    @Test func driftedJobThatIsTerminatingIsWaitedFor() {
        var world = W()
        var job = W.job(for: W.account("acme", generation: 1))
        job.deletionTimestamp = W.now - 5
        world.accounts = [W.account("acme", generation: 2)]
        world.jobs = [job]
        #expect(world.plan().actions == [.waitForDeletion(jobName: "tenant-acme", accountID: "acme")])
    }

    @Test(arguments: [
        (false, AccountStatus?.some(AccountStatus(accountID: "acme", phase: .running)), "account inactive"),
        (true, AccountStatus?.some(AccountStatus(accountID: "acme", phase: .running)), "account deleted"),
        (true, AccountStatus?.none, "unknown account (no row in accounts)"),
    ])
    func orphanedJobIsDeletedWithItsReason(deleted: Bool, status: AccountStatus?, reason: String) {
        var world = W()
        let acme = W.account("acme", active: false)
        world.accounts = deleted ? [] : [acme]
        world.jobs = [W.job(for: acme)]
        world.statuses = status.map { ["acme": $0] } ?? [:]
        #expect(world.plan().actions == [.delete(jobName: "tenant-acme", uid: "uid-tenant-acme", accountID: "acme", reason: reason)])
    }

    @Test func managedJobWithoutAccountAnnotationIsDeleted() {
        var world = W()
        var job = W.job(for: W.account("acme"))
        job.annotations = [:]
        world.jobs = [job]
        #expect(world.plan().actions == [.delete(jobName: "tenant-acme", uid: "uid-tenant-acme", accountID: nil, reason: "Job has no tenant-provisioner/account-id annotation")])
    }

    @Test func terminatingOrphanIsNotDeletedAgain() {
        var world = W()
        var job = W.job(for: W.account("gone"))
        job.deletionTimestamp = W.now - 1
        world.jobs = [job]
        #expect(world.plan().actions == [.waitForDeletion(jobName: "tenant-gone", accountID: "gone")])
    }

    @Test func unmanagedJobHoldingTheNameIsReportedAndNothingElseHappens() throws {
        var world = W()
        let acme = W.account("acme")
        world.accounts = [acme]
        world.jobs = [ObservedJob(name: "tenant-acme", uid: "theirs", labels: ["app": "other"], failedAt: W.now - 10)]
        let actions = world.plan().actions
        #expect(actions.count == 1)
        guard case .reportConflict(let id, let name, let message) = try #require(actions.first) else {
            Issue.record("expected a conflict, got \(actions)")
            return
        }
        #expect(id == "acme")
        #expect(name == "tenant-acme")
        #expect(message.contains("not managed by this provisioner"))
    }

    @Test func jobOfAnotherInstanceIsNeverTouched() {
        var world = W()
        let acme = W.account("acme")
        world.accounts = [acme]
        world.jobs = [W.job(for: acme, instance: "green"), W.job(for: W.account("gone"), instance: "green")]
        let actions = world.plan().actions
        #expect(actions.count == 1)
        #expect(actions.first?.verb == "conflict")
        #expect(actions.first?.reason.contains("\"green\"") == true)
    }

    @Test func deletionsStopAtTheBudgetInNameOrderAndTheRestAreDeferred() {
        var world = W()
        world.policy.deleteBudget = 2
        world.jobs = ["e", "b", "d", "a", "c"].map { W.job(for: W.account($0)) }
        let actions = world.plan().actions
        #expect(actions.map(\.verb) == ["delete", "delete", "defer-delete", "defer-delete", "defer-delete"])
        #expect(actions.map(\.jobName) == ["tenant-a", "tenant-b", "tenant-c", "tenant-d", "tenant-e"])
        #expect(actions.allSatisfy { $0.reason == "unknown account (no row in accounts)" })
    }

    @Test func exhaustedBudgetDefersEveryDeletionButNotRecreations() {
        var world = W()
        world.policy.deleteBudget = 0
        world.accounts = [W.account("keep", generation: 2), W.account("off", active: false)]
        world.jobs = [W.job(for: W.account("keep", generation: 1)), W.job(for: W.account("off"))]
        #expect(world.plan().actions.map(\.verb) == ["defer-delete", "recreate"])
    }

    @Test func planIsTheSameWhateverTheInputOrder() {
        var world = W()
        world.accounts = (0..<50).map { W.account("acct-\($0)", active: $0 % 3 != 0, generation: Int64($0 % 2 + 1)) }
        world.jobs = (0..<50).filter { $0 % 2 == 0 }.map { W.job(for: W.account("acct-\($0)")) } + [W.job(for: W.account("stray"))]
        world.policy.deleteBudget = 5
        let first = world.plan()
        var rng = SplitMix64(seed: 42)
        world.accounts.shuffle(using: &rng)
        world.jobs.shuffle(using: &rng)
        #expect(world.plan() == first)
        let ranks = first.actions.map { ["delete", "defer-delete", "recreate", "create"].firstIndex(of: $0.verb)! }
        #expect(ranks == ranks.sorted())
    }

    @Test func completedJobHasItsSuccessRecordedOnceAndIsLeftAlone() {
        var world = W()
        let acme = W.account("acme")
        var job = W.job(for: acme)
        job.completedAt = W.now - 60
        world.accounts = [acme]
        world.jobs = [job]
        #expect(world.plan().actions == [.recordSuccess(accountID: "acme", jobName: "tenant-acme", uid: "uid-tenant-acme", completedAt: W.now - 60)])
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobUID: "uid-tenant-acme", phase: .succeeded, observedGeneration: 1, lastSuccessAt: W.now - 60)
        #expect(world.plan().actions.isEmpty)
    }

    @Test func completedJobIsRerunOnlyOnceRerunTimeHasPassed() {
        var world = W()
        let acme = W.account("acme")
        var job = W.job(for: acme)
        job.completedAt = W.now - 3600
        world.accounts = [acme]
        world.jobs = [job]
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobUID: job.uid, phase: .succeeded, observedGeneration: 1, lastSuccessAt: W.now - 3600)
        world.policy.rerunAfterSuccess = 7200
        #expect(world.plan().actions.isEmpty)
        world.policy.rerunAfterSuccess = 3600
        #expect(world.plan().actions.map(\.verb) == ["recreate"])
        #expect(world.plan().actions.first?.reason.hasPrefix("rerun after success") == true)
    }

    @Test func completedJobWhoseSpecChangedIsRecreated() {
        var world = W()
        var job = W.job(for: W.account("acme", generation: 1))
        job.completedAt = W.now - 60
        world.accounts = [W.account("acme", generation: 2)]
        world.jobs = [job]
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobUID: job.uid, phase: .succeeded, observedGeneration: 1, lastSuccessAt: W.now - 60)
        #expect(world.plan().actions.map(\.reason) == ["spec changed (generation 1 → 2) after the Job completed"])
    }

    @Test(arguments: [
        (Int64(1), TimeInterval?.none, [String]()),
        (1, 7200, []),
        (1, 600, ["rerun after success"]),
        (2, nil, ["account changed since its Job succeeded (generation 1 → 2)"]),
    ])
    func completedJobThatDisappearedIsNotRecreatedEarly(generation: Int64, rerun: TimeInterval?, reasons: [String]) {
        var world = W()
        world.accounts = [W.account("acme", generation: generation)]
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobName: "tenant-acme", jobUID: "u1", phase: .succeeded, observedGeneration: 1, lastSuccessAt: W.now - 3600)
        world.policy.rerunAfterSuccess = rerun
        #expect(world.plan().actions.map { $0.reason.hasPrefix("rerun after success") ? "rerun after success" : $0.reason } == reasons)
    }

    @Test func failedJobIsHandedToTheRestartLogicOnceAndNeverRecreatedHere() {
        var world = W()
        var job = W.job(for: W.account("acme", generation: 1))
        job.failedAt = W.now - 30
        job.failedReason = "BackoffLimitExceeded"
        world.accounts = [W.account("acme", generation: 2)]   // drifted, too
        world.jobs = [job]
        #expect(world.plan().actions == [.recordFailure(accountID: "acme", job: job)])
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobUID: job.uid, phase: .restartScheduled, lastFailureAt: W.now - 30, consecutiveFailures: 1, nextRestartAt: W.now + 3570)
        #expect(world.plan().actions.isEmpty)
    }

    @Test func failedJobOfAnInactiveAccountIsRecordedThenDeleted() {
        var world = W()
        var job = W.job(for: W.account("acme"))
        job.failedAt = W.now - 30
        world.accounts = [W.account("acme", active: false)]
        world.jobs = [job]
        #expect(world.plan().actions.map(\.verb) == ["record-failure", "delete"])
    }

    @Test(arguments: [(TimeInterval(600), [String]()), (TimeInterval(-1), ["scheduled restart is due"])] as [(TimeInterval, [String])])
    func missingJobWithARestartScheduledWaitsForIt(restartIn: TimeInterval, reasons: [String]) {
        var world = W()
        world.accounts = [W.account("acme")]
        world.statuses["acme"] = AccountStatus(accountID: "acme", jobUID: "old", phase: .restartScheduled, consecutiveFailures: 1, nextRestartAt: W.now + restartIn)
        #expect(world.plan().actions.map(\.reason) == reasons)
    }

    @Test func accountThatCannotBeRenderedIsReportedAndItsJobLeftAlone() {
        var world = W()
        let broken = Account(id: "acme", config: [:])
        var job = W.job(for: W.account("acme"))
        job.annotations[ManagedMetadata.specHashAnnotation] = "stale"
        world.accounts = [broken]
        world.jobs = [job]
        let actions = world.plan().actions
        #expect(actions.map(\.verb) == ["render-failed"])
        #expect(actions.first?.reason.contains("config.tag") == true)
    }

    @Test func jobUnderAnOldPrefixIsDeletedAndTheNewOneCreated() {
        var world = W()
        let acme = W.account("acme")
        var old = W.job(for: acme)
        old.name = "old-acme"
        world.accounts = [acme]
        world.jobs = [old]
        #expect(world.plan().actions == [
            .delete(jobName: "old-acme", uid: old.uid, accountID: "acme", reason: "old name: the account's Job is now tenant-acme (the template prefix changed)"),
            .create(W.order(acme), reason: "new account"),
        ])
    }

    @Test func nameHeldByAnotherAccountsLeftoverJobIsWaitedFor() {
        var world = W()
        var leftover = W.job(for: W.account("b"))
        leftover.annotations[ManagedMetadata.accountIDAnnotation] = "gone"
        leftover.name = "tenant-acme"
        world.accounts = [W.account("acme")]
        world.jobs = [leftover]
        #expect(world.plan().actions == [
            .delete(jobName: "tenant-acme", uid: leftover.uid, accountID: "gone", reason: "unknown account (no row in accounts)"),
            .waitForDeletion(jobName: "tenant-acme", accountID: "acme"),
        ])
    }

    @Test func singleAccountPlanOfADeletedAccountTouchesOnlyItsJobs() {
        var world = W()
        world.jobs = [W.job(for: W.account("gone")), W.job(for: W.account("other-unknown"))]
        let plan = Planner.plan(account: nil, accountID: "gone", jobs: world.jobs, status: AccountStatus(accountID: "gone", phase: .running),
                                template: W.template, namespace: W.namespace, policy: world.policy, now: W.now)
        #expect(plan.actions == [.delete(jobName: "tenant-gone", uid: "uid-tenant-gone", accountID: "gone", reason: "account deleted")])
    }

    @Test func singleAccountPlanAgreesWithTheFullPlanForThatAccount() {
        var world = W()
        world.accounts = [W.account("a", generation: 2), W.account("b"), W.account("c", active: false)]
        world.jobs = [W.job(for: W.account("a", generation: 1)), W.job(for: W.account("c")), W.job(for: W.account("zombie"))]
        let full = world.plan().actions
        for account in world.accounts {
            let single = Planner.plan(account: account, accountID: account.id, jobs: world.jobs, status: nil,
                                      template: W.template, namespace: W.namespace, policy: world.policy, now: W.now)
            #expect(single.actions == full.filter { $0.accountID == account.id })
        }
    }

    @Test func singleAccountPlanRespectsTheIntervalBudget() {
        var world = W()
        world.policy.deleteBudget = 0
        let plan = Planner.plan(account: W.account("acme", active: false), accountID: "acme", jobs: [W.job(for: W.account("acme"))], status: nil,
                                template: W.template, namespace: W.namespace, policy: world.policy, now: W.now)
        #expect(plan.actions.map(\.verb) == ["defer-delete"])
    }

    @Test func descriptionListsEachActionAndASummary() {
        var world = W()
        world.policy.deleteBudget = 1
        world.accounts = [W.account("new"), W.account("off", active: false), W.account("off2", active: false)]
        world.jobs = [W.job(for: W.account("off")), W.job(for: W.account("off2"))]
        let text = world.plan().description
        #expect(text.contains("delete        tenant-off   account \"off\": account inactive"))
        #expect(text.contains("defer-delete  tenant-off2  account \"off2\": account inactive"))
        #expect(text.contains("create        tenant-new   account \"new\": new account"))
        #expect(text.hasSuffix("Plan: 1 to create, 0 to recreate, 1 to delete, 1 deletions deferred (over MAX_DELETES_PER_PASS)."))
        #expect(world.plan().summary.creates == 1)
    }

    @Test func tenThousandAccountsArePlannedQuickly() {
        var world = W()
        world.accounts = (0..<10_000).map { W.account("Account \($0)@example.com", active: $0 % 10 != 0, generation: $0 % 7 == 0 ? 2 : 1) }
        world.jobs = (0..<10_000).filter { $0 % 5 != 0 }.map { W.job(for: W.account("Account \($0)@example.com")) }
        let clock = ContinuousClock()
        var plan = Plan(actions: [])
        let duration = clock.measure { plan = world.plan() }
        print("planned 10,000 accounts and \(world.jobs.count) Jobs in \(duration): \(plan.summary)")
        #expect(plan.summary.creates == 1000)       // every multiple of 5 that is not a multiple of 10
        #expect(plan.summary.deletes + plan.summary.deferredDeletes == 0)   // multiples of 10 have no Job
        #expect(plan.summary.recreates == 10_000 / 7 + 1 - 10_000 / 35 - 1)  // multiples of 7 with a Job
    }

    @Test func aPlanWithRememberedHashesEqualsAFreshOneAndRemembersOnlyWhatItCompared() {
        var world = W()
        world.accounts = (0..<50).map { W.account("acct-\($0)") }
        world.jobs = (0..<50).filter { $0 % 2 == 0 }.map { W.job(for: W.account("acct-\($0)")) }
        var memo = PlanMemo()
        let first = world.plan(memo: &memo)
        // Every account's name is remembered; only the 25 with a Job needed their hash (below:
        // the 25 creates carry orders and left no hash behind).
        #expect(memo.count == 50)
        let second = world.plan(memo: &memo)
        #expect(first == world.plan())
        #expect(second == first)
        #expect(second.summary.creates == 25)
        for case .create(let order, _, _) in second.actions {
            #expect(memo.hash(accountID: order.accountID, key: order.key) == nil)
            #expect(order.name == "tenant-" + order.accountID)
        }
    }

    @Test func aRememberedHashIsUsedInsteadOfRendering() {
        var world = W()
        let acme = W.account("acme")
        world.accounts = [acme]
        world.jobs = [W.job(for: acme)]
        var memo = PlanMemo()
        #expect(world.plan(memo: &memo).actions.isEmpty)
        #expect(memo.hash(accountID: "acme", key: W.order(acme).key) == W.desired(acme).specHash)
        // A remembered hash that differs from the Job's: the planner trusts it, so it rendered nothing.
        let remembered = String(repeating: "ab", count: 32)
        memo.remember(remembered, accountID: "acme", key: W.order(acme).key)
        let plan = world.plan(memo: &memo)
        #expect(plan.actions == [.recreate(old: W.job(for: acme), successor: W.order(acme), specHash: remembered,
                                           reason: "spec changed (template or account data; spec hash \(W.desired(acme).specHash.prefix(12)) → \(remembered.prefix(12)))")])
    }

    @Test func aNewGenerationOrMemoryOverrideIsNotTakenFromTheRememberedHash() {
        var world = W()
        world.accounts = [W.account("acme", generation: 1)]
        world.jobs = [W.job(for: W.account("acme", generation: 1))]
        var memo = PlanMemo()
        #expect(world.plan(memo: &memo).actions.isEmpty)
        let v2 = W.account("acme", generation: 2, tag: "v2")
        world.accounts = [v2]
        let plan = world.plan(memo: &memo)
        #expect(plan.actions == [W.recreate(W.account("acme", generation: 1), as: v2, reason: "spec changed (template or account data; spec hash \(W.desired(W.account("acme", generation: 1)).specHash.prefix(12)) → \(W.desired(v2).specHash.prefix(12)))")])
        #expect(memo.hash(accountID: "acme", key: RenderKey(generation: 2, memoryOverride: nil)) == W.desired(v2).specHash)
        #expect(memo.hash(accountID: "acme", key: RenderKey(generation: 2, memoryOverride: "1Gi")) == nil)
    }

    @Test func anAccountThatCannotBeRenderedIsReportedAtPlanningNotCreated() {
        var world = W()
        let broken = Account(id: "broken", config: ["env": ["1BAD": "x"], "tag": "v1"])
        let noTag = Account(id: "no-tag", config: [:])
        world.accounts = [broken, noTag, W.account("fine")]
        let plan = world.plan()
        #expect(plan.actions.map(\.verb) == ["render-failed", "render-failed", "create"])
        #expect(plan.actions.first?.reason.contains("1BAD") == true)
        #expect(plan.actions.dropFirst().first?.reason.contains("config.tag") == true)
        // What the planner's check says is what the render itself throws.
        #expect(throws: RenderError.self) { try W.template.render(account: broken, namespace: W.namespace, instance: "default") }
    }

    @Test func twoActiveAccountsWantingOneNameLeaveItToTheSmallerID() {
        // "Acme" is not its own slug, so its name is hashed: tenant-acme-<8 hex>. An account whose
        // id is exactly that suffix has the same name, as a plain one.
        let hashedName = JobNaming.name(prefix: "tenant", accountID: "Acme").name
        let plainID = String(hashedName.dropFirst("tenant-".count))
        #expect(JobNaming.name(prefix: "tenant", accountID: plainID).name == hashedName)
        var world = W()
        world.accounts = [W.account(plainID), W.account("Acme"), W.account("other")]
        let plan = world.plan()
        #expect(plan.actions.map(\.verb) == ["conflict", "create", "create"])
        #expect(plan.actions.first?.accountID == plainID)
        #expect(plan.actions.first?.reason == "account \"Acme\" has the same Job name \(hashedName); rename one of the accounts or change the template prefix")
        #expect(plan.actions.compactMap { if case .create(let order, _, _) = $0 { order.accountID } else { nil } } == ["Acme", "other"])
        // The same from the other side: the plain one planned, the hashed one reported.
        world.accounts = [W.account("other"), W.account("Acme"), W.account(plainID)]
        #expect(world.plan() == plan)
        // An inactive account claims no name.
        world.accounts = [W.account(plainID), W.account("Acme", active: false)]
        #expect(world.plan().actions.map(\.verb) == ["create"])
        world.accounts = [W.account(plainID, active: false), W.account("Acme")]
        #expect(world.plan().actions.map(\.verb) == ["create"])
        // The plain id sorts first this time ('-' before '~'): the hashed account is reported.
        let tilde = JobNaming.name(prefix: "tenant", accountID: "zz~").name
        let plainFirst = String(tilde.dropFirst("tenant-".count))
        #expect(plainFirst < "zz~")
        world.accounts = [W.account("zz~"), W.account(plainFirst)]
        let second = world.plan()
        #expect(second.actions.map(\.verb) == ["conflict", "create"])
        #expect(second.actions.first?.accountID == "zz~")
        if case .create(let order, _, _)? = second.actions.last { #expect(order.accountID == plainFirst) }
    }

    @Test func aPassOverSomeAccountsPlansEachAsTheFullPassDoes() {
        var world = PlannerInputTests.mixedWorld()
        // Which deletions a budget lets through depends on what else the pass deletes; here none is deferred.
        world.policy.deleteBudget = 100
        world.accounts.append(W.account("Acme"))
        world.accounts.append(W.account(String(JobNaming.name(prefix: "tenant", accountID: "Acme").name.dropFirst("tenant-".count))))
        let full = world.plan()
        var byID: [String: Account] = [:]
        for account in world.accounts { byID[account.id] = account }
        let index = JobIndex(instance: world.policy.instance, jobs: world.jobs)
        // Every id, also those with a Job and no row: the same plan.
        var memo = PlanMemo()
        let ids = Set(byID.keys).union(world.jobs.compactMap(\.accountID))
        let all = Planner.plan(ids: ids, accounts: byID, index: index, statuses: world.statuses, template: W.template,
                               namespace: W.namespace, policy: world.policy, now: W.now, memo: &memo)
        #expect(all == full)
        // A few ids (after a full pass named everyone): exactly the full plan's actions of those accounts.
        let some: Set<String> = ["acct-1", "acct-3", "acct-7", "gone-2", "Acme"]
        let part = Planner.plan(ids: some, accounts: byID, index: index, statuses: world.statuses, template: W.template,
                                namespace: W.namespace, policy: world.policy, now: W.now, memo: &memo)
        let expected = full.actions.filter { action in action.accountID.map(some.contains) ?? true }
        #expect(part.actions.map(\.verb) == expected.map(\.verb))
        #expect(part.actions.map(\.accountID) == expected.map(\.accountID))
        #expect(part.actions.contains { $0.verb == "conflict" } == full.actions.contains { $0.verb == "conflict" && $0.accountID.map(some.contains) == true })
    }

    @Test func tenThousandAccountsReplannedFromRememberedHashes() {
        var world = W()
        world.accounts = (0..<10_000).map { W.account("Account \($0)@example.com") }
        world.jobs = world.accounts.map { W.job(for: $0) }
        var memo = PlanMemo()
        _ = world.plan(memo: &memo)
        let clock = ContinuousClock()
        var plan = Plan(actions: [])
        let duration = clock.measure { plan = world.plan(memo: &memo) }
        print("re-planned 10,000 unchanged accounts from remembered hashes in \(duration)")
        #expect(plan.actions.isEmpty)
        #expect(memo.count == 10_000)
    }
}

@Suite struct PlannerInputTests {
    typealias W = PlannerWorld

    /// A world with every kind of action: creates, recreates, deletions over the budget,
    /// unknown accounts, a conflict and a Job left under an old name.
    static func mixedWorld() -> PlannerWorld {
        var world = W()
        world.policy.deleteBudget = 3
        world.accounts = (0..<40).map { W.account("acct-\($0)", active: $0 % 6 != 0, generation: $0 % 5 == 0 ? 2 : 1) }
        world.jobs = (0..<40).filter { $0 % 4 != 0 }.map { W.job(for: W.account("acct-\($0)")) }
        world.jobs += (0..<5).map { W.job(for: W.account("gone-\($0)")) }
        world.jobs.append(ObservedJob(name: "tenant-acct-1", uid: "foreign"))
        world.jobs.removeAll { $0.name == "tenant-acct-1" && $0.uid != "foreign" }
        return world
    }

    @Test func thePlanDoesNotDependOnTheOrderOfTheAccounts() {
        var world = Self.mixedWorld()
        let expected = world.plan()
        var random = SplitMix64(seed: 7)
        for _ in 0..<5 {
            world.accounts.shuffle(using: &random)
            #expect(world.plan() == expected)
        }
        #expect(expected.summary.creates > 0 && expected.summary.recreates > 0 && expected.summary.deferredDeletes > 0 && expected.summary.conflicts == 1)
    }

    @Test func anIndexKeptUpToDateGivesThePlanOfTheJobList() {
        let world = Self.mixedWorld()
        var index = JobIndex(instance: "default")
        for job in world.jobs.reversed() { index.upsert(job) }
        index.upsert(ObservedJob(name: "tenant-acct-2", uid: "to-be-removed"))
        index.remove(named: "tenant-acct-2")
        if let acct2 = world.jobs.first(where: { $0.name == "tenant-acct-2" }) { index.upsert(acct2) }
        var memo = PlanMemo()
        let indexed = Planner.plan(accounts: world.accounts, index: index, statuses: world.statuses, template: W.template,
                                   namespace: W.namespace, policy: world.policy, now: W.now, memo: &memo)
        #expect(indexed == world.plan())
    }

    @Test func theAccountPathWithAnIndexEqualsTheOneWithTheJobList() {
        let world = Self.mixedWorld()
        let index = JobIndex(instance: "default", jobs: world.jobs)
        for id in ["acct-1", "acct-3", "acct-6", "acct-4", "gone-2", "never"] {
            let account = world.accounts.first { $0.id == id }
            let fromList = Planner.plan(account: account, accountID: id, jobs: world.jobs, status: nil, template: W.template,
                                        namespace: W.namespace, policy: world.policy, now: W.now)
            var memo = PlanMemo()
            let fromIndex = Planner.plan(account: account, accountID: id, index: index, status: nil, template: W.template,
                                         namespace: W.namespace, policy: world.policy, now: W.now, memo: &memo)
            #expect(fromIndex == fromList)
        }
    }
}

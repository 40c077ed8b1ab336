import Common
import Foundation
import Kube
import Testing
import TenantCore
@testable import TenantRuntime

/// The reconciler with an in-memory store and a Job list in place of the watch: what a pass
/// queues and writes, and what it learns from the outcomes the workers report.
struct ReconcilerWorld {
    let store: MemoryStore
    let jobs = ListedJobs()
    let queue = ActionQueue()
    let metrics = Metrics()
    let reconciler: Reconciler

    init(accounts: [Account], deleteLimit: Int = 100) {
        store = MemoryStore(accounts: accounts)
        reconciler = Reconciler(store: store, cache: jobs, queue: queue, template: ExecutorWorld.template,
                                options: .init(namespace: "tenants", instance: "default", rerunAfterSuccess: nil, dryRun: false),
                                deleteBudget: IntervalBudget(limit: deleteLimit, window: 60), logger: Logger(label: "test", sink: .memory()), metrics: metrics)
    }

    /// Takes every queued item, as the workers would, and reports `result` for each at `now`.
    func work(now: Date = ReconcilerTests.now, _ result: (WorkItem) -> ActionResult) async -> [WorkItem] {
        var taken: [WorkItem] = []
        while await !queue.busyKeys().isEmpty, let item = await queue.next() {
            taken.append(item)
            await reconciler.note(ActionOutcome(item: item, result: result(item)), now: now)
            await queue.finished(item.key)
        }
        return taken
    }

    /// The Job the provisioner would have created for `account`, running, as the watch shows it.
    static func liveJob(for account: Account) -> JobSummary {
        let rendered = try! ExecutorWorld.template.render(account: account, namespace: "tenants", instance: "default")
        let metadata = rendered.manifest["metadata"]!
        return JobSummary(name: rendered.name, namespace: "tenants", uid: "uid-\(rendered.name)-\(account.generation)", resourceVersion: "1",
                          labels: StringPairs((metadata["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)),
                          annotations: StringPairs((metadata["annotations"]?.objectValue ?? [:]).compactMapValues(\.stringValue)),
                          creationTimestamp: ReconcilerTests.now - 60, active: 1)
    }

    /// `tenant_provisioner_accounts_planned_total` so far.
    var planned: Double {
        metrics.render().split(separator: "\n").first { $0.hasPrefix("tenant_provisioner_accounts_planned_total ") }
            .flatMap { Double($0.split(separator: " ")[1]) } ?? 0
    }

    /// A managed Job of `accountID` as the watch shows it.
    static func managedJob(_ name: String, accountID: String) -> JobSummary {
        JobSummary(name: name, namespace: "tenants", uid: "uid-\(name)", resourceVersion: "1",
                   labels: [ManagedMetadata.managedByLabel: ManagedMetadata.managedByValue, ManagedMetadata.instanceLabel: "default"],
                   annotations: [ManagedMetadata.accountIDAnnotation: accountID], creationTimestamp: Date())
    }
}

@Suite struct ReconcilerTests {
    typealias W = ReconcilerWorld
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    /// A spec hash no render of the test template gives.
    static let hashFromTheCreate = String(repeating: "c0", count: 32)

    @Test func aCreateRefusedForItsAccountDataIsNotQueuedAgainUntilTheAccountChanges() async throws {
        let world = W(accounts: [ExecutorWorld.acme])
        #expect(try await world.reconciler.fullPass(now: Self.now).enqueued == 1)
        let taken = await world.work { _ in .rejected("422 Invalid") }
        #expect(taken.map(\.action.verb) == ["create"])
        #expect(try await world.reconciler.fullPass(now: Self.now).enqueued == 0)
        // The account changes (new generation): tried again.
        world.store.setAccount(Account(id: "acme", config: ["tag": "v2"], generation: 4))
        #expect(try await world.reconciler.fullPass(now: Self.now).enqueued == 1)
    }

    @Test func aForeignJobLearnedFromA409IsReportedAsAConflictUntilItsRecheck() async throws {
        let world = W(accounts: [ExecutorWorld.acme])
        _ = try await world.reconciler.fullPass(now: Self.now)
        let foreign = ObservedJob(name: "tenant-acme", uid: "foreign-uid", labels: ["app": "hand-made"])
        _ = await world.work { _ in .nameTaken(foreign) }
        let report = try await world.reconciler.fullPass(now: Self.now + 1)
        #expect(report.plan.actions.map(\.verb) == ["conflict"] && report.enqueued == 0)
        #expect(world.store.statuses["acme"]?.message?.contains("not managed by this provisioner") == true)
        #expect(world.store.audit.map(\.action) == ["skip"])
        // After the recheck interval the create is tried again (the holder may be gone).
        let later = try await world.reconciler.fullPass(now: Self.now + Reconciler.foreignJobRecheck + 2)
        #expect(later.plan.actions.map(\.verb) == ["create"] && later.enqueued == 1)
    }

    @Test func deletionsBeyondTheBudgetWaitForTheNextInterval() async throws {
        let world = W(accounts: [], deleteLimit: 2)
        world.jobs.set((1...3).map { W.managedJob("tenant-gone-\($0)", accountID: "gone-\($0)") })
        let first = try await world.reconciler.fullPass(now: Self.now)
        #expect(first.plan.summary.deletes == 2 && first.plan.summary.deferredDeletes == 1 && first.enqueued == 2)
        _ = await world.work { _ in .done }
        // Same interval, the Jobs still listed (Foreground deletion takes a while): nothing more.
        let second = try await world.reconciler.fullPass(now: Self.now + 10)
        #expect(second.plan.summary.deletes == 0 && second.plan.summary.deferredDeletes == 3 && second.enqueued == 0)
        // Next interval: the budget is back.
        world.jobs.set([W.managedJob("tenant-gone-3", accountID: "gone-3")])
        let third = try await world.reconciler.fullPass(now: Self.now + 61)
        #expect(third.plan.summary.deletes == 1 && third.enqueued == 1)
        #expect(world.metrics.render().contains("tenant_provisioner_deletions_deferred_total 4"))
    }

    @Test func aPassWithoutTheDatabaseQueuesNothing() async throws {
        let world = W(accounts: [ExecutorWorld.acme])
        world.jobs.set([W.managedJob("tenant-old", accountID: "acme")])
        world.store.isDown = true
        await #expect(throws: PassError.self) { try await world.reconciler.fullPass(now: Self.now) }
        #expect(await world.queue.busyKeys().isEmpty)
    }

    @Test func aJobCreatedByTheExecutorIsNotRenderedAgainToBeCompared() async throws {
        let world = W(accounts: [ExecutorWorld.acme])
        _ = try await world.reconciler.fullPass(now: Self.now)
        // The worker created the Job; its outcome says which hash it carries. A hash that differs
        // from the render's shows that the next pass took it from the outcome, not from a render.
        var created: WorkItem?
        while await !world.queue.busyKeys().isEmpty, let item = await world.queue.next() {
            created = item
            var outcome = ActionOutcome(item: item, result: .done, newUID: "uid-tenant-acme")
            outcome.specHash = Self.hashFromTheCreate
            await world.reconciler.note(outcome, now: Self.now)
            await world.queue.finished(item.key)
        }
        #expect(created?.action.verb == "create")
        var job = W.managedJob("tenant-acme", accountID: "acme")
        job.annotations[ManagedMetadata.specHashAnnotation] = Self.hashFromTheCreate
        world.jobs.set([job])
        let report = try await world.reconciler.fullPass(now: Self.now + 1)
        #expect(report.plan.actions.isEmpty)
    }

    @Test func anIdlePassPlansOnlyTheAccountsWhoseInputsChanged() async throws {
        let accounts = (1...5).map { Account(id: "acct-\($0)", config: ["tag": "v1"], generation: 1) }
        let world = W(accounts: accounts)
        world.jobs.set(accounts.map(W.liveJob))
        // The first pass plans all five, and finds nothing to do.
        #expect(try await world.reconciler.fullPass(now: Self.now).plan.actions.isEmpty)
        #expect(world.planned == 5)
        // Nothing changed: nothing planned, and the account rows not even read.
        #expect(try await world.reconciler.fullPass(now: Self.now + 5).plan.actions.isEmpty)
        #expect(world.planned == 5)
        #expect(world.store.generationReads == 1)
        // One account changed: only it, and it is recreated.
        world.store.setAccount(Account(id: "acct-2", config: ["tag": "v2"], generation: 2))
        let changed = try await world.reconciler.fullPass(now: Self.now + 10)
        #expect(changed.plan.actions.map(\.verb) == ["recreate"] && changed.plan.actions.first?.accountID == "acct-2")
        #expect(world.planned == 6)
        #expect(world.store.generationReads == 2)
        // Its recreate waits in the queue: not planned again meanwhile.
        _ = try await world.reconciler.fullPass(now: Self.now + 15)
        #expect(world.planned == 6)
        // Another account's Job vanished (deleted by hand): only that account, and its Job comes back.
        world.jobs.set(accounts.filter { $0.id != "acct-4" }.map(W.liveJob))
        let vanished = try await world.reconciler.fullPass(now: Self.now + 20)
        #expect(vanished.plan.actions.map(\.verb) == ["create"] && vanished.plan.actions.first?.accountID == "acct-4")
        #expect(world.planned == 7)
        // The workers carry both out: each outcome brings its account back once.
        let worked = await world.work { _ in .done }
        #expect(Set(worked.compactMap(\.action.accountID)) == ["acct-2", "acct-4"])
        _ = try await world.reconciler.fullPass(now: Self.now + 25)
        #expect(world.planned == 9)
    }

    @Test func aPassThatCannotRecordItsResultsLooksAtTheSameAccountsAgain() async throws {
        let accounts = (1...3).map { Account(id: "acct-\($0)", config: ["tag": "v1"], generation: 1) }
        let world = W(accounts: accounts)
        world.jobs.set(accounts.map(W.liveJob))
        _ = try await world.reconciler.fullPass(now: Self.now)
        // acct-1's row says pending while its Job runs (a worker's outcome brings it to a pass):
        // the pass would write "running", but the write fails; the next pass writes it.
        try await world.store.record(statuses: [AccountStatus(accountID: "acct-1", jobName: "tenant-acct-1", jobUID: "uid-tenant-acct-1-1", phase: .pending)], audit: [])
        await world.reconciler.note(ActionOutcome(item: WorkItem(key: "acct-1", action: .delete(jobName: "x", uid: "y", accountID: "acct-1", reason: "test"),
                                                                 accountActive: true, enqueuedAt: Self.now, urgent: false), result: .unnecessary("test")), now: Self.now)
        world.store.failWrites = true
        await #expect(throws: PassError.self) { try await world.reconciler.fullPass(now: Self.now + 5) }
        world.store.failWrites = false
        _ = try await world.reconciler.fullPass(now: Self.now + 10)
        #expect(world.store.statuses["acct-1"]?.phase == .running)
    }

    @Test func everyTenthPassPlansEveryAccountAgain() async throws {
        let accounts = (1...3).map { Account(id: "acct-\($0)", config: ["tag": "v1"], generation: 1) }
        let world = W(accounts: accounts)
        world.jobs.set(accounts.map(W.liveJob))
        for pass in 0..<Reconciler.statusReloadInterval + 1 {
            _ = try await world.reconciler.fullPass(now: Self.now + Double(pass) * 5)
        }
        // The first pass and the reload pass planned all three; the nine between planned none.
        #expect(world.planned == 6)
    }

    @Test func aFailedJobWaitingForItsRestartStaysPlannedEveryPass() async throws {
        let acme = ExecutorWorld.acme
        let world = W(accounts: [acme])
        world.jobs.set([W.liveJob(for: acme)])
        _ = try await world.reconciler.fullPass(now: Self.now)
        // The Job fails; a worker records the failure and schedules its restart an hour later ...
        var job = W.liveJob(for: acme)
        job.active = 0
        job.failed = 1
        job.conditions = [JobCondition(type: "Failed", status: "True", reason: "BackoffLimitExceeded", lastTransitionTime: Self.now)]
        world.jobs.set([job])
        var status = AccountStatus(accountID: "acme", jobName: job.name, jobUID: job.uid, phase: .restartScheduled)
        status.consecutiveFailures = 1
        status.lastFailureAt = Self.now
        status.nextRestartAt = Self.now + 3600
        try await world.store.record(statuses: [status], audit: [])
        let failed = ObservedJob(job)
        await world.reconciler.note(ActionOutcome(item: WorkItem(key: "acme", action: .recordFailure(accountID: "acme", job: failed), accountActive: true,
                                                                 enqueuedAt: Self.now, urgent: false), result: .done), now: Self.now)
        // ... its outcome brings the account back once ...
        _ = try await world.reconciler.fullPass(now: Self.now + 5)
        let before = world.planned
        #expect(before == 2)
        // ... and from then on the clock alone may change its plan: planned every pass, and
        // restarted (its failed Job deleted) once the hour is over.
        #expect(try await world.reconciler.fullPass(now: Self.now + 10).plan.actions.isEmpty)
        #expect(try await world.reconciler.fullPass(now: Self.now + 15).plan.actions.isEmpty)
        #expect(world.planned == before + 2)
        let due = try await world.reconciler.fullPass(now: Self.now + 3601)
        #expect(due.plan.actions.map(\.verb) == ["restart"])
    }

    @Test func aRebuiltJobListMakesThePassPlanEveryAccount() async throws {
        let accounts = (1...3).map { Account(id: "acct-\($0)", config: ["tag": "v1"], generation: 1) }
        let world = W(accounts: accounts)
        world.jobs.set(accounts.map(W.liveJob))
        _ = try await world.reconciler.fullPass(now: Self.now)
        _ = try await world.reconciler.fullPass(now: Self.now + 5)
        #expect(world.planned == 3, "the second pass had nothing to plan")
        // The watch expired and the cache listed the Jobs again: changes may have been missed.
        world.jobs.relist()
        _ = try await world.reconciler.fullPass(now: Self.now + 10)
        #expect(world.planned == 6)
    }

    @Test func anAccountPassGoesOnWhileAFullPlanIsMade() async throws {
        let accounts = (1...3).map { Account(id: "acct-\($0)", config: ["tag": "v1"], generation: 1) }
        let world = W(accounts: accounts)
        world.jobs.set(accounts.map(W.liveJob))
        let gate = Gate()
        await world.reconciler.setFullPlanStarted { await gate.arriveAndWait() }
        let full = Task { try await world.reconciler.fullPass(now: Self.now) }
        await gate.waitForArrival()
        // The first pass's plan of every account is held; a new account arrives by NOTIFY, and its
        // pass runs on the reconciler meanwhile instead of waiting for the full plan.
        world.store.setAccount(Account(id: "acct-new", config: ["tag": "v1"], generation: 1))
        let notified = try await world.reconciler.accountPass(accountID: "acct-new", now: Self.now)
        #expect(notified.plan.actions.map(\.verb) == ["create"])
        gate.release()
        // The full plan was made from the rows read before the newcomer: nothing to do, nothing
        // queued twice.
        #expect(try await full.value.plan.actions.isEmpty)
        let queued = await world.work { _ in .done }
        #expect(queued.map(\.key) == ["acct-new"])
        // The newcomer's outcome brings it to the next pass, which finds its Job (the memo the
        // full plan borrowed came back whole).
        world.jobs.set((accounts + [Account(id: "acct-new", config: ["tag": "v1"], generation: 1)]).map(W.liveJob))
        #expect(try await world.reconciler.fullPass(now: Self.now + 5).plan.actions.isEmpty)
    }
}

/// Holds a task at a point until the test lets it go on.
private final class Gate: Sendable {
    private let arrived = AsyncStream<Void>.makeStream()
    private let opened = AsyncStream<Void>.makeStream()

    /// Called by the held task: says it is here, then waits for `release`.
    func arriveAndWait() async {
        arrived.continuation.yield()
        for await _ in opened.stream { return }
    }

    func waitForArrival() async {
        for await _ in arrived.stream { return }
    }

    func release() {
        opened.continuation.yield()
        opened.continuation.finish()
    }
}

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
                                deleteBudget: DeleteBudget(limit: deleteLimit, window: 60), logger: Logger(label: "test", sink: .memory()), metrics: metrics)
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
            outcome.specHash = "hash-from-the-create"
            await world.reconciler.note(outcome, now: Self.now)
            await world.queue.finished(item.key)
        }
        #expect(created?.action.verb == "create")
        var job = W.managedJob("tenant-acme", accountID: "acme")
        job.annotations[ManagedMetadata.specHashAnnotation] = "hash-from-the-create"
        world.jobs.set([job])
        let report = try await world.reconciler.fullPass(now: Self.now + 1)
        #expect(report.plan.actions.isEmpty)
    }
}

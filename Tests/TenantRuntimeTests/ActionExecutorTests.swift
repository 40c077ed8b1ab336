import Common
import Foundation
import Kube
import Testing
import TenantCore
@testable import TenantRuntime

/// The executor against a scripted API server and an in-memory store: what it sends, in which
/// order, and what it writes, for each answer the API server can give.
struct ExecutorWorld {
    static let template = try! JobTemplate.parse(yaml: """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: tenant
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: main
                  image: "worker:{{ config.tag }}"
        """, file: "t.yaml")
    static let acme = Account(id: "acme", config: ["tag": "v1"], generation: 3)
    static let order = JobOrder(name: "tenant-acme", account: acme)

    let api: ScriptedAPI
    let store = MemoryStore(accounts: [acme])
    let executor: ActionExecutor

    init(template: JobTemplate = Self.template, answer: @escaping @Sendable (KubeRequest) -> (Int, JSONValue)) {
        api = ScriptedAPI(answer: answer)
        let client = api.client()
        let logger = Logger(label: "test", sink: .memory())
        executor = ActionExecutor(client: client, store: store, namespace: "tenants", instance: "default", template: template,
                                  inspector: FailureInspector(client: client, logTailLines: 20, logger: logger),
                                  events: JobEvents(client: client, component: "tenant-provisioner", instance: "default", logger: logger),
                                  restarts: .init(policy: RestartPolicy(), escalation: nil), logger: logger, metrics: Metrics())
    }

    func run(_ action: PlannedAction) async -> ActionOutcome {
        await executor.run(WorkItem(key: "acme", action: action, accountActive: true, enqueuedAt: Date(), urgent: false))
    }

    /// A Job as a GET returns it; `ours`: with this instance's labels.
    static func job(_ name: String, uid: String, ours: Bool) -> JSONValue {
        let labels: JSONValue = ours ? [.init(stringLiteral: ManagedMetadata.managedByLabel): "tenant-provisioner", "tenant-provisioner/instance": "default"] : ["app": "hand-made"]
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": .string(name), "namespace": "tenants", "uid": .string(uid), "labels": labels]]
    }

    static let oldJob = ObservedJob(name: "tenant-acme", uid: "old-uid", labels: ["app.kubernetes.io/managed-by": "tenant-provisioner", "tenant-provisioner/instance": "default"],
                                    annotations: ["tenant-provisioner/account-id": "acme", "tenant-provisioner/spec-hash": "old-hash"])
}

@Suite struct ActionExecutorTests {
    typealias W = ExecutorWorld

    @Test func aCreateRendersTheOrderAndSendsItOnceRecordingItsHash() async throws {
        let world = W { request in
            let name = ScriptedAPI.body(request)?["metadata"]?["name"] ?? .null
            return (201, ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": name, "uid": "new-uid"]])
        }
        let outcome = await world.run(.create(W.order, reason: "new account"))
        let rendered = try W.template.render(W.order, namespace: "tenants", instance: "default")
        #expect(outcome.result == .done && outcome.newUID == "new-uid" && outcome.specHash == rendered.specHash)
        #expect(world.api.sent == ["POST /apis/batch/v1/namespaces/tenants/jobs"])
        #expect(world.api.all.first.flatMap(ScriptedAPI.body) == rendered.manifest)
        #expect(world.store.statuses["acme"]?.jobUID == "new-uid" && world.store.statuses["acme"]?.phase == .pending)
        let audit = try #require(world.store.audit.first)
        #expect(audit.action == "create" && audit.details["spec_hash"] == .string(rendered.specHash) && audit.details["generation"] == 3)
    }

    @Test func aCreateWhoseNameAForeignJobHoldsReportsTheHolder() async {
        let world = W { request in
            request.method == "POST" ? ScriptedAPI.status(409, reason: "AlreadyExists", message: "jobs.batch \"tenant-acme\" already exists")
                : (200, W.job("tenant-acme", uid: "foreign-uid", ours: false))
        }
        let outcome = await world.run(.create(W.order, reason: "new account"))
        guard case .nameTaken(let holder) = outcome.result else {
            Issue.record("expected nameTaken, got \(outcome.result)")
            return
        }
        #expect(holder.uid == "foreign-uid" && holder.labels == ["app": "hand-made"])
        #expect(world.api.sent == ["POST /apis/batch/v1/namespaces/tenants/jobs", "GET /apis/batch/v1/namespaces/tenants/jobs/tenant-acme"])
        #expect(world.store.audit.isEmpty, "nothing changed on the cluster; the reconciler reports the conflict")
    }

    @Test func aCreateWhoseNameOurOwnJobHoldsIsNeverTakenForDone() async {
        let world = W { request in
            request.method == "POST" ? ScriptedAPI.status(409, reason: "AlreadyExists", message: "exists")
                : (200, W.job("tenant-acme", uid: "other-replica", ours: true))
        }
        let outcome = await world.run(.create(W.order, reason: "new account"))
        #expect(outcome.result == .unnecessary("a Job named tenant-acme already exists"))
        #expect(world.store.statuses["acme"] == nil && world.store.audit.isEmpty)
    }

    @Test func aCreateTheServerRefusesIsRejectedAndRecorded() async {
        let world = W { _ in ScriptedAPI.status(422, reason: "Invalid", message: "Job.batch \"tenant-acme\" is invalid: spec.template.spec.containers[0].image: Required value") }
        let outcome = await world.run(.create(W.order, reason: "new account"))
        guard case .rejected(let why) = outcome.result else {
            Issue.record("expected rejected, got \(outcome.result)")
            return
        }
        #expect(why.contains("Required value"))
        #expect(world.store.statuses["acme"]?.message?.contains("Required value") == true)
        #expect(world.store.audit.first?.details["result"] == "rejected")
    }

    @Test func anOrderThatNoLongerRendersIsRejectedWithoutARequest() async {
        let world = W { _ in (500, [:]) }
        let broken = JobOrder(name: "tenant-acme", account: Account(id: "acme", config: [:], generation: 4))
        let outcome = await world.run(.create(broken, reason: "new account"))
        guard case .rejected(let why) = outcome.result else {
            Issue.record("expected rejected, got \(outcome.result)")
            return
        }
        #expect(why.contains("config.tag"))
        #expect(world.api.sent.isEmpty)
        #expect(world.store.statuses["acme"]?.message == why)
    }

    @Test func aRecreateDeletesNothingWithoutTheDatabaseThenWritesItsIntentFirst() async throws {
        let world = W { _ in (200, ["kind": "Status", "apiVersion": "v1", "status": "Success"]) }
        let recreate = PlannedAction.recreate(old: W.oldJob, successor: W.order, specHash: "new-hash", reason: "spec changed")
        world.store.isDown = true
        let refused = await world.run(recreate)
        guard case .failed = refused.result else {
            Issue.record("expected failed, got \(refused.result)")
            return
        }
        #expect(world.api.sent.isEmpty, "without the database no Job is deleted")
        world.store.isDown = false
        let outcome = await world.run(recreate)
        #expect(outcome.result == .done)
        #expect(world.store.statuses["acme"]?.phase == .deleting)
        let delete = try #require(world.api.all.first)
        #expect(delete.method == "DELETE" && delete.path == "/apis/batch/v1/namespaces/tenants/jobs/tenant-acme")
        let options = try #require(ScriptedAPI.body(delete))
        #expect(options["propagationPolicy"] == "Foreground" && options["preconditions"]?["uid"] == "old-uid")
        #expect(world.store.audit.first?.action == "recreate" && world.store.audit.first?.details["spec_hash"] == "new-hash")
    }

    @Test func aDeleteOfAJobReplacedMeanwhileChangesNothing() async {
        let world = W { _ in ScriptedAPI.status(409, reason: "Conflict", message: "Precondition failed: UID in precondition: old-uid, UID in object meta: new-uid") }
        let outcome = await world.run(.delete(jobName: "tenant-acme", uid: "old-uid", accountID: "acme", reason: "account inactive"))
        #expect(outcome.result == .unnecessary("the Job was replaced meanwhile (uid changed)"))
        #expect(world.store.audit.isEmpty)
    }
}

/// The executor with a Deployment or CronJob template: an update in place, and a CronJob's run.
@Suite struct WorkloadExecutorTests {
    typealias W = ExecutorWorld
    static let deploymentTemplate = try! JobTemplate.parse(yaml: """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: tenant
        spec:
          template:
            spec:
              containers:
                - name: main
                  image: "worker:{{ config.tag }}"
        """, file: "d.yaml")

    static func current(uid: String) -> (Int, JSONValue) {
        (200, ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "tenant-acme", "namespace": "tenants", "uid": .string(uid),
                                                                         "resourceVersion": "42", "generation": 3]])
    }

    static let update = PlannedAction.update(old: W.oldJob, successor: W.order, specHash: "new", reason: "spec changed")

    @Test func anUpdatePutsTheRenderedObjectWithTheResourceVersionAndUidItRead() async throws {
        let world = W(template: Self.deploymentTemplate) { request in
            request.method == "GET" ? Self.current(uid: "old-uid") : (200, ["metadata": ["name": "tenant-acme", "uid": "old-uid"]])
        }
        let outcome = await world.run(Self.update)
        #expect(outcome.result == .done)
        #expect(world.api.sent == ["GET /apis/apps/v1/namespaces/tenants/deployments/tenant-acme", "PUT /apis/apps/v1/namespaces/tenants/deployments/tenant-acme"])
        let body = try JSONValue.parse(try #require(world.api.all.last?.body))
        let rendered = try Self.deploymentTemplate.render(W.order, namespace: "tenants", instance: "default")
        #expect(body["metadata"]?["resourceVersion"] == "42" && body["metadata"]?["uid"] == "old-uid")
        #expect(body["spec"] == rendered.manifest["spec"] && outcome.specHash == rendered.specHash)
        #expect(world.store.audit.map(\.action) == ["update"])
        #expect(world.store.statuses["acme"]?.observedGeneration == 3, "the row says which generation it rolls to")
    }

    @Test func anUpdateOfAReplacedOrChangedObjectIsLeftToTheNextPass() async {
        let replaced = W(template: Self.deploymentTemplate) { _ in Self.current(uid: "someone-else") }
        #expect(await replaced.run(Self.update).result == .unnecessary("the Deployment was replaced meanwhile (uid changed)"))
        #expect(replaced.api.sent.count == 1, "no PUT over another object")
        let conflict = W(template: Self.deploymentTemplate) { request in
            request.method == "GET" ? Self.current(uid: "old-uid") : ScriptedAPI.status(409, reason: "Conflict", message: "the object has been modified")
        }
        guard case .unnecessary = await conflict.run(Self.update).result else { Issue.record("a 409 is not a failure to report"); return }
        #expect(conflict.store.audit.isEmpty)
        let refused = W(template: Self.deploymentTemplate) { request in
            request.method == "GET" ? Self.current(uid: "old-uid") : ScriptedAPI.status(403, reason: "Forbidden", message: "deployments.apps is forbidden")
        }
        guard case .rejected = await refused.run(Self.update).result else { Issue.record("a 403 is a refusal"); return }
        #expect(refused.store.statuses["acme"]?.message?.contains("forbidden") == true)
    }

    static let cronTemplate = try! JobTemplate.parse(yaml: """
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: sync
        spec:
          schedule: "0 5 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: main
                      image: "worker:{{ config.tag }}"
        """, file: "c.yaml")

    /// A run recorded before whose row lags behind (a hand edit): the row catches up and keeps
    /// naming the CronJob; nothing is asked of the API server.
    @Test func aCronJobRunRecordedBeforeCatchesTheRowUpWithoutLeavingTheCronJob() async throws {
        let world = W(template: Self.cronTemplate) { _ in (500, [:]) }
        let failedAt = Date(timeIntervalSince1970: 1_800_000_000)
        let run = ObservedJob(name: "sync-acme-30000000", uid: "run-uid", annotations: ["tenant-provisioner/account-id": "acme"],
                              failedAt: failedAt, failedReason: "BackoffLimitExceeded")
        let failure = JobFailure(accountID: "acme", namespace: "tenants", jobName: run.name, jobUID: run.uid, failedAt: failedAt,
                                 conditionReason: "BackoffLimitExceeded", conditionMessage: nil, rows: [])
        _ = try await world.store.recordFailure(failure, accountID: "acme", now: failedAt, memoryBasis: nil, cronJobRun: true) { _ in
            FailureVerdict(attempt: 1, decision: .never(reason: "a run"))
        }
        // The row edited by hand back to before the failure.
        try await world.store.record(statuses: [AccountStatus(accountID: "acme", jobName: "sync-acme", jobUID: "cron-uid", phase: .running)], audit: [])
        let outcome = await world.run(.recordFailure(accountID: "acme", job: run))
        #expect(outcome.result == .unnecessary("the failure was recorded before"))
        let row = try #require(world.store.statuses["acme"])
        #expect(row.jobName == "sync-acme" && row.jobUID == "cron-uid", "still the CronJob")
        #expect(row.phase == .failed && row.lastFailureAt == failedAt && row.nextRestartAt == nil)
        #expect(world.api.sent.isEmpty)
    }
}


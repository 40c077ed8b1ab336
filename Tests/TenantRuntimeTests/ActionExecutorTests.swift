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

    init(answer: @escaping @Sendable (KubeRequest) -> (Int, JSONValue)) {
        api = ScriptedAPI(answer: answer)
        let client = api.client()
        let logger = Logger(label: "test", sink: .memory())
        executor = ActionExecutor(client: client, store: store, namespace: "tenants", instance: "default", template: Self.template,
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

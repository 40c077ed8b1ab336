import Common
import Foundation
import Kube
import TestSupport
import Testing

/// SPEC "Reconcile": `provisioner plan` and `DRY_RUN=true` print the plan (create / delete /
/// recreate with reasons) and change nothing.
@Suite struct DryRunTests {
    /// A managed Job of this instance, made by the test: `specHash` stale on purpose.
    static func managedJob(name: String, accountID: String, suffix: String) -> JSONValue {
        let labels: JSONValue = ["app.kubernetes.io/managed-by": "tenant-provisioner", "tenant-provisioner/instance": "default",
                                 "tenant-provisioner/account": .string(suffix)]
        return [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": .string(name), "labels": labels,
                         "annotations": ["tenant-provisioner/account-id": .string(accountID), "tenant-provisioner/spec-hash": "stale"]],
            "spec": ["backoffLimit": 0,
                     "template": ["metadata": ["labels": labels],
                                  "spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox"]]]]],
        ]
    }

    /// New account `new1` (create), `drift` whose Job has a stale spec hash (recreate), and a
    /// managed Job of the unknown account `ghost` (delete).
    static func prepare(_ f: ProvisionerFixture) async throws {
        try await f.insertAccount("new1")
        try await f.insertAccount("drift")
        let client = try f.kubeClient()
        let _: KubeClient.MetadataOnly = try await client.create(.jobs, namespace: "default", body: managedJob(name: "worker-drift", accountID: "drift", suffix: "drift"))
        let _: KubeClient.MetadataOnly = try await client.create(.jobs, namespace: "default", body: managedJob(name: "worker-ghost", accountID: "ghost", suffix: "ghost"))
        try await f.emulator.resetRequests()
    }

    static func expectNothingChanged(_ f: ProvisionerFixture) async throws {
        let changes = try await f.jobRequestsExceptWatch().filter { ["create", "delete", "update", "patch"].contains($0.verb ?? "") }
        #expect(changes.isEmpty, "\(changes.map { "\($0.method) \($0.path)" })")
        #expect(try await f.jobNames() == ["worker-drift", "worker-ghost"])
        #expect(try await f.audit().isEmpty)
        #expect(try await f.query("SELECT 1 FROM account_status").isEmpty)
    }

    static func planLine(_ output: String, verb: String, job: String) -> String? {
        output.split(separator: "\n").map(String.init).first { $0.hasPrefix(verb + " ") && $0.contains(" \(job) ") }
    }

    @Test func planPrintsCreateDeleteAndRecreateWithReasonsAndChangesNothing() async throws {
        try await ProvisionerFixture.with { f in
            try await Self.prepare(f)
            let result = try await f.run(["plan"])
            #expect(result.code == 0, "\(result.stderr)")
            let create = try #require(Self.planLine(result.stdout, verb: "create", job: "worker-new1"), "\(result.stdout)")
            #expect(create.contains(#"account "new1""#) && create.contains("new account"))
            let recreate = try #require(Self.planLine(result.stdout, verb: "recreate", job: "worker-drift"), "\(result.stdout)")
            #expect(recreate.contains("spec changed"))
            let delete = try #require(Self.planLine(result.stdout, verb: "delete", job: "worker-ghost"), "\(result.stdout)")
            #expect(delete.contains("unknown account"))
            #expect(result.stdout.contains("Plan: 1 to create, 1 to recreate, 1 to delete"))
            try await Self.expectNothingChanged(f)
        }
    }

    @Test func planReportsANameHeldByAJobItDoesNotManageAsAConflict() async throws {
        try await ProvisionerFixture.with { f in
            try await f.insertAccount("taken")
            let foreign: JSONValue = [
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": ["name": "worker-taken", "labels": ["app": "hand-made"]],
                "spec": ["backoffLimit": 0, "template": ["spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox"]]]]],
            ]
            let _: KubeClient.MetadataOnly = try await f.kubeClient().create(.jobs, namespace: "default", body: foreign)
            let result = try await f.run(["plan"])
            #expect(result.code == 0, "\(result.stderr)")
            #expect(Self.planLine(result.stdout, verb: "create", job: "worker-taken") == nil, "\(result.stdout)")
            let conflict = try #require(Self.planLine(result.stdout, verb: "conflict", job: "worker-taken"), "\(result.stdout)")
            #expect(conflict.contains("not managed by this provisioner"))
        }
    }

    @Test func dryRunPrintsThePlanAndChangesNothing() async throws {
        try await ProvisionerFixture.with { f in
            try await Self.prepare(f)
            let provisioner = try f.start([], ["DRY_RUN": "true"])
            let series = #"tenant_provisioner_passes_total{kind="full",result="success"}"#
            try await eventually("three dry-run passes", log: provisioner.logTail) { await provisioner.metric(series) ?? 0 >= 3 }
            let log = provisioner.process.standardError
            #expect(log.contains("dry run"))
            #expect(Self.planLine(log, verb: "create", job: "worker-new1")?.contains("new account") == true, "\(log)")
            #expect(Self.planLine(log, verb: "recreate", job: "worker-drift") != nil)
            #expect(Self.planLine(log, verb: "delete", job: "worker-ghost") != nil)
            try await Self.expectNothingChanged(f)
        }
    }
}

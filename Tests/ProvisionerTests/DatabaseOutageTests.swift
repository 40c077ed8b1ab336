import Common
import Foundation
import Kube
import Postgres
import TestSupport
import Testing

/// SPEC "Reconcile": with the database unreachable no Job is created or deleted, readiness goes
/// false, and it resumes once the database is back.
@Suite struct DatabaseOutageTests {
    @Test func aStoppedDatabaseStopsAllActionsAndReadinessUntilItIsBack() async throws {
        try await TestPostgresServer.with { server in
            try await ProvisionerFixture.with(server: server) { f in
                try await f.insertAccount("known")
                let provisioner = try f.start()
                try await eventually("the Job and readiness", log: provisioner.logTail) {
                    let ready = await provisioner.get("/readyz")?.status == 200
                    let jobs = try await f.jobNames()
                    return ready && jobs == ["worker-known"]
                }
                await f.db.close()
                try await server.stop()

                // A managed Job whose account the provisioner cannot look up while the database is down.
                let ghost: JSONValue = [
                    "apiVersion": "batch/v1", "kind": "Job",
                    "metadata": ["name": "worker-ghost",
                                 "labels": ["app.kubernetes.io/managed-by": "tenant-provisioner", "tenant-provisioner/instance": "default",
                                            "tenant-provisioner/account": "ghost"],
                                 "annotations": ["tenant-provisioner/account-id": "ghost"]],
                    "spec": ["backoffLimit": 0, "template": ["spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox"]]]]],
                ]
                let _: KubeClient.MetadataOnly = try await f.kubeClient().create(.jobs, namespace: "default", body: ghost)
                try await f.emulator.resetRequests()

                try await eventually("/readyz 503", log: provisioner.logTail) { await provisioner.get("/readyz")?.status == 503 }
                let failed = #"tenant_provisioner_passes_total{result="failure"}"#
                try await eventually("three failed passes", log: provisioner.logTail) { await provisioner.metric(failed) ?? 0 >= 3 }
                let body = await provisioner.get("/readyz")?.body ?? ""
                #expect(body.contains("database"), "\(body)")
                let actions = try await f.jobRequestsExceptWatch().filter { $0.verb == "create" || $0.verb == "delete" }
                #expect(actions.isEmpty, "\(actions.map { "\($0.method) \($0.path)" })")
                #expect(try await f.jobNames() == ["worker-known", "worker-ghost"])

                try await server.startServer()
                try await eventually("/readyz 200 again", timeout: 20, log: provisioner.logTail) { await provisioner.get("/readyz")?.status == 200 }
                try await eventually("the unknown account's Job deleted", log: provisioner.logTail) { try await f.jobNames() == ["worker-known"] }
                #expect(try await f.audit(action: "delete").map(\.accountID) == ["ghost"])
            }
        }
    }
}

/// "Nothing lost": a Job created just before the database went away still gets its status and
/// audit rows, written once the database is back.
@Suite struct RecordsAfterOutageTests {
    @Test func aCreateWhoseRecordFailedIsRecordedWhenTheDatabaseIsBack() async throws {
        try await TestPostgresServer.with { server in
            try await ProvisionerFixture.with(server: server) { f in
                let provisioner = try f.start([], ["POLL_INTERVAL": "2"])
                try await eventually("ready", log: provisioner.logTail) { await provisioner.get("/readyz")?.status == 200 }
                // The create answers only after 3 s: long enough to stop the database in between.
                try await f.emulator.injectFault(pathPrefix: "/apis/batch/v1/namespaces/default/jobs", method: "POST", count: 1, latencyMs: 3000)
                try await f.insertAccount("late")
                // The emulator logs a request once answered, so the pass's log line says it is in flight.
                try await eventually("the create handed to a worker", log: provisioner.logTail) {
                    provisioner.log.contains("pass.kind=account plan.creates=1")
                }
                await f.db.close()
                try await server.stop()
                try await eventually("the Job created", timeout: 10, log: provisioner.logTail) { try await f.jobNames() == ["worker-late"] }
                try await eventually("the record kept for later", log: provisioner.logTail) {
                    provisioner.log.contains("kept in memory and written when the database is back")
                }
                try await server.startServer()
                try await eventually("the create audited after the outage", timeout: 20, log: provisioner.logTail) {
                    try await f.audit(action: "create").map(\.accountID) == ["late"]
                }
                let rows = try await f.query("SELECT details->>'occurred_at' FROM audit_log WHERE action = 'create'")
                #expect(try rows.first?.decode(0, as: String?.self) != nil)
                #expect(try await f.status("late")?.jobName == "worker-late")
            }
        }
    }
}

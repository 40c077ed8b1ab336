import Common
import Foundation
import Postgres
import TestSupport
import Testing

/// SPEC "Kubernetes objects": a changed spec replaces the Job; what the worker touches does not.
@Suite struct JobRecreationTests {
    @Test func aConfigChangeRecreatesTheJobAndALastSyncChangeDoesNothing() async throws {
        try await ProvisionerFixture.with { f in
            try await f.insertAccount("acme", config: #"{"env": {"PLAN": "gold"}}"#)
            let provisioner = try f.start()
            try await eventually("the Job", log: provisioner.logTail) { try await f.jobNames() == ["worker-acme"] }
            let oldUID = try #require(try await f.job("worker-acme")?["metadata"]?["uid"]?.stringValue)

            try await f.execute(#"UPDATE accounts SET config = '{"env": {"PLAN": "platinum"}}' WHERE account_id = 'acme'"#)
            try await eventually("a new Job with the new config", log: provisioner.logTail) {
                guard let job = try await f.job("worker-acme"), job["metadata"]?["deletionTimestamp"] == nil,
                      let uid = job["metadata"]?["uid"]?.stringValue, uid != oldUID else { return false }
                let env = job["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["env"]?.arrayValue ?? []
                return env.contains(["name": "PLAN", "value": "platinum"])
            }
            let newUID = try #require(try await f.job("worker-acme")?["metadata"]?["uid"]?.stringValue)
            let deletes = try await f.jobRequestsExceptWatch().filter { $0.verb == "delete" }
            #expect(deletes.count == 1)
            #expect(deletes.first?.path.hasSuffix("/worker-acme") == true)
            #expect(deletes.first?.propagationPolicy == "Foreground")
            // Two rows, one per half: the old Job's delete, then its successor's create.
            try await eventually("the recreate audit rows", log: provisioner.logTail) { try await f.audit(action: "recreate").count == 2 }
            let halves = try await f.audit(action: "recreate")
            #expect(halves.map(\.accountID) == ["acme", "acme"])
            #expect(halves.map(\.jobUID) == [oldUID, newUID])
            #expect(halves.first?.reason?.contains("spec changed") == true)

            // A worker touching last_sync_at: no generation bump, no request to jobs.
            let passesBefore = await provisioner.metric(#"tenant_provisioner_passes_total{kind="full",result="success"}"#) ?? 0
            try await f.emulator.resetRequests()
            try await f.execute("UPDATE accounts SET last_sync_at = now() WHERE account_id = 'acme'")
            try await eventually("three more passes", log: provisioner.logTail) {
                await provisioner.metric(#"tenant_provisioner_passes_total{kind="full",result="success"}"#) ?? 0 >= passesBefore + 3
            }
            let requests = try await f.jobRequestsExceptWatch()
            #expect(requests.isEmpty, "\(requests.map { "\($0.method) \($0.path)" })")
            #expect(try await f.job("worker-acme")?["metadata"]?["uid"]?.stringValue == newUID)
            #expect(try await f.audit(action: "recreate").count == 2)
        }
    }
}

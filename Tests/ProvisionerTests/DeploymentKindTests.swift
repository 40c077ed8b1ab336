import Common
import Foundation
import Postgres
import TestSupport
import Testing

/// SPEC "Workload shapes": a Deployment template, end to end against the emulator's Deployment
/// controller and PostgreSQL, with the Role of deploy/overlays/deployments and nothing more.
@Suite struct DeploymentKindTests {
    /// Each account's pods do what `config.outcome` says (the emulator's outcome annotation):
    /// `{}` ready, `{"crashLoop": true, …}` crash-looping.
    static let template = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: worker
        spec:
          replicas: 1
          progressDeadlineSeconds: 2
          template:
            metadata:
              annotations:
                emulator.tenant-provisioner.dev/outcome: "{{ config.outcome }}"
            spec:
              containers:
                - name: main
                  image: "worker:{{ config.tag }}"

        """

    static let healthy = #"{"tag": "v1", "outcome": "{}"}"#
    static let crashing = #"{"tag": "v1", "outcome": "{\"crashLoop\": true, \"exitCode\": 1, \"reason\": \"Error\"}"}"#

    static func deployments(_ f: ProvisionerFixture) async throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for item in try await f.emulator.objects(kind: "deployments")["items"]?.arrayValue ?? [] {
            if let name = item["metadata"]?["name"]?.stringValue { out[name] = item }
        }
        return out
    }

    static func isAvailable(_ deployment: JSONValue?) -> Bool {
        (deployment?["status"]?["conditions"]?.arrayValue ?? []).contains { $0["type"] == "Available" && $0["status"] == "True" }
    }

    static func requests(_ f: ProvisionerFixture, verb: String) async throws -> [KubeEmulator.LoggedRequest] {
        try await f.emulator.requests().log.filter { $0.user == ServiceAccounts.provisionerUser && $0.resource == "deployments" && $0.verb == verb }
    }

    @Test func createUpdateInPlaceDriftDeactivateAndTheIntervalBudget() async throws {
        try await ProvisionerFixture.with(template: Self.template, install: DeployManifests.deployments) { f in
            for id in ["a", "b", "c", "d"] { try await f.insertAccount(id, config: Self.healthy) }
            let p = try f.start([], ["POLL_INTERVAL": "3", "MAX_DELETES_PER_PASS": "1"])

            // Created, available, running.
            try await eventually("four available Deployments, rows running", timeout: 30, log: p.logTail) {
                let all = try await Self.deployments(f)
                guard ["a", "b", "c", "d"].allSatisfy({ Self.isAvailable(all["worker-\($0)"]) }) else { return false }
                for id in ["a", "b", "c", "d"] where try await f.status(id)?.phase != "running" { return false }
                return true
            }
            let before = try #require(try await Self.deployments(f)["worker-a"])
            #expect(before["spec"]?["selector"]?["matchLabels"]?["tenant-provisioner/account"] == "a")
            let env = before["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["env"]
            #expect(env == [["name": "ACCOUNT_ID", "value": "a"]])

            // A config change rolls the Deployment in place: same uid, next generation, no delete.
            try await f.execute("UPDATE accounts SET config = jsonb_set(config, '{tag}', '\"v2\"') WHERE account_id = 'a'")
            try await eventually("worker-a rolled to v2 and available", timeout: 30, log: p.logTail) {
                let now = try await Self.deployments(f)["worker-a"]
                return now?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"] == "worker:v2"
                    && now?["status"]?["observedGeneration"] == now?["metadata"]?["generation"] && Self.isAvailable(now)
            }
            let after = try #require(try await Self.deployments(f)["worker-a"])
            #expect(after["metadata"]?["uid"] == before["metadata"]?["uid"], "updated in place, not recreated")
            #expect(after["metadata"]?["generation"]?.integerValue == (before["metadata"]?["generation"]?.integerValue ?? 0) + 1)
            #expect(try await Self.requests(f, verb: "delete").isEmpty)
            #expect(try await Self.requests(f, verb: "update").count == 1)
            let update = try await f.audit(action: "update")
            #expect(update.count == 1 && update.first?.accountID == "a" && update.first?.jobUID == before["metadata"]?["uid"]?.stringValue)
            try await eventually("a's row running again", log: p.logTail) { try await f.status("a")?.phase == "running" }

            // Drift: someone changes b's image and drops the spec hash; the next pass puts it back.
            let patched = try await f.kubectl(["patch", "deployment", "worker-b", "--type=json", "-p",
                                               #"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil:1"},{"op":"remove","path":"/metadata/annotations/tenant-provisioner~1spec-hash"}]"#])
            #expect(patched.code == 0, "\(patched.stderr)")
            try await eventually("worker-b back to its template", timeout: 20, log: p.logTail) {
                try await Self.deployments(f)["worker-b"]?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"] == "worker:v1"
            }

            // Deactivating two at once: MAX_DELETES_PER_PASS 1 deletes one now, the other an interval later.
            try await f.execute("UPDATE accounts SET is_active = false WHERE account_id IN ('c', 'd')")
            try await eventually("one of c and d deleted", timeout: 20, log: p.logTail) {
                let names = Set(try await Self.deployments(f).keys)
                return names.contains("worker-c") != names.contains("worker-d")
            }
            try await eventually("both deleted, an interval apart", timeout: 30, log: p.logTail) {
                let names = Set(try await Self.deployments(f).keys)
                return !names.contains("worker-c") && !names.contains("worker-d")
            }
            let deletes = try await Self.requests(f, verb: "delete").filter { $0.code == 200 || $0.code == 202 }
            #expect(deletes.count == 2)
            if deletes.count == 2 { #expect(deletes[1].t - deletes[0].t >= 2, "the second waited for the next interval") }
            #expect(deletes.allSatisfy { $0.propagationPolicy == "Foreground" })
            try await eventually("c and d inactive", log: p.logTail) {
                let c = try await f.status("c")?.phase
                let d = try await f.status("d")?.phase
                return c == "inactive" && d == "inactive"
            }
            // Their pods went with them.
            let pods = try await f.emulator.objects(kind: "pods")["items"]?.arrayValue ?? []
            #expect(!pods.contains { ($0["metadata"]?["name"]?.stringValue ?? "").hasPrefix("worker-c-") })
        }
    }

    /// A rollout that never becomes available hits its progress deadline: the row says failed,
    /// with the reason and what the containers did, once; nothing is restarted or recreated; a
    /// healed Deployment is running again.
    @Test func aDeploymentStuckInProgressDeadlineExceededIsReportedWithItsCrashLoop() async throws {
        try await ProvisionerFixture.with(template: Self.template, install: DeployManifests.deployments) { f in
            try await f.insertAccount("stuck", config: Self.crashing)
            let p = try f.start([], ["POLL_INTERVAL": "1"])
            try await eventually("the failure reported", timeout: 30, log: p.logTail) { try await f.status("stuck")?.phase == "failed" }
            let message = try #require(try await f.status("stuck")?.message)
            #expect(message.contains("Deployment worker-stuck is not progressing (condition Progressing False, reason ProgressDeadlineExceeded)"), "\(message)")
            #expect(message.contains("container main of pod worker-stuck-") && message.contains("last terminated Error (exit code 1)"), "\(message)")
            #expect(message.contains("now CrashLoopBackOff"), "\(message)")
            let uid = try await Self.deployments(f)["worker-stuck"]?["metadata"]?["uid"]
            // Several passes later: recorded once, the same Deployment, never deleted.
            try await p.waitForFullPasses(3)
            #expect(try await f.audit(action: "failure").count == 1)
            #expect(try await Self.deployments(f)["worker-stuck"]?["metadata"]?["uid"] == uid)
            #expect(try await Self.requests(f, verb: "delete").isEmpty)
            #expect(try await Self.requests(f, verb: "update").isEmpty)
            #expect(await p.metric(#"tenant_provisioner_job_failures_total{reason="ProgressDeadlineExceeded"}"#) == 1)

            try await f.emulator.setDeploymentOutcome(name: "worker-stuck", outcome: [:])
            try await eventually("running again once healed", timeout: 30, log: p.logTail) {
                let status = try await f.status("stuck")
                return status?.phase == "running" && status?.message == nil
            }
        }
    }
}

import Common
import Foundation
import Postgres
import TestSupport
import Testing

/// SPEC "Workload shapes": a CronJob template, end to end against the emulator's CronJob
/// controller (driven by the control API's clock) and PostgreSQL, with the Role of
/// deploy/overlays/cronjobs and nothing more.
@Suite struct CronJobKindTests {
    /// A daily run at 05:00 UTC; each account's runs do what `config.outcome` says.
    static let template = """
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: sync
        spec:
          schedule: "0 5 * * *"
          timeZone: "Etc/UTC"
          jobTemplate:
            metadata:
              annotations:
                emulator.tenant-provisioner.dev/outcome: "{{ config.outcome }}"
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: main
                      image: "sync:{{ config.tag }}"

        """

    static let succeeding = #"{"tag": "v1", "outcome": "{\"result\": \"succeed\", \"afterSeconds\": 0.2}"}"#
    static let failing = #"{"tag": "v1", "outcome": "{\"result\": \"fail\", \"afterSeconds\": 0.2, \"exitCode\": 3, \"reason\": \"Error\", \"logs\": [\"syncing\", \"upstream refused\"]}"}"#
    static let longID = String(repeating: "x", count: 60)
    /// A minute before the schedule.
    static let start = Timestamp.parse("2026-12-01T04:59:00Z")!

    static func objects(_ f: ProvisionerFixture, _ kind: String) async throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for item in try await f.emulator.objects(kind: kind)["items"]?.arrayValue ?? [] {
            if let name = item["metadata"]?["name"]?.stringValue { out[name] = item }
        }
        return out
    }

    @Test func runsRecordedOnceNeverRestartedTheCronJobUpdatedInPlaceAndDeleted() async throws {
        try await ProvisionerFixture.with(template: Self.template, install: DeployManifests.cronJobs) { f in
            try await f.emulator.setClock(Self.start)
            try await f.insertAccount("ok", config: Self.succeeding)
            try await f.insertAccount("bad", config: Self.failing)
            try await f.insertAccount(Self.longID, config: Self.succeeding)
            let p = try f.start([], ["POLL_INTERVAL": "1"])

            try await eventually("three CronJobs, rows running", timeout: 30, log: p.logTail) {
                guard try await Self.objects(f, "cronjobs").count == 3 else { return false }
                for id in ["ok", "bad", Self.longID] where try await f.status(id)?.phase != "running" { return false }
                return true
            }
            let cronJobs = try await Self.objects(f, "cronjobs")
            let long = try #require(cronJobs.keys.first { $0.hasPrefix("sync-x") })
            #expect(long.utf8.count == 52, "\(long): the CronJob controller appends 11 characters")
            let ok = try #require(cronJobs["sync-ok"])
            #expect(ok["spec"]?["jobTemplate"]?["metadata"]?["annotations"]?["tenant-provisioner/account-id"] == "ok")
            #expect(ok["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["env"] == [["name": "ACCOUNT_ID", "value": "ok"]])

            // 05:00: each CronJob runs once.
            try await f.emulator.advanceClock(seconds: 60)
            try await eventually("ok's run recorded as a success", timeout: 30, log: p.logTail) {
                let ok = try await f.status("ok")?.phase
                let long = try await f.status(Self.longID)?.phase
                return ok == "succeeded" && long == "succeeded"
            }
            try await eventually("bad's run recorded as a failure", timeout: 30, log: p.logTail) { try await f.status("bad")?.phase == "failed" }
            let failures = try await f.failures("bad")
            #expect(failures.count == 1)
            let failed = try #require(failures.first)
            #expect(failed.exitCode == 3 && failed.reason == "Error" && failed.logTail?.contains("upstream refused") == true)
            #expect(failed.restartAt == nil, "a run is never restarted")
            let status = try #require(try await f.status("bad"))
            #expect(status.jobName == "sync-bad", "the row keeps naming the CronJob")
            #expect(status.message?.contains("not restarted, the CronJob's next schedule runs again") == true, "\(status.message ?? "")")
            let success = try await f.query("SELECT last_success_at IS NOT NULL FROM account_status WHERE account_id = 'ok'")
            #expect(try success.first?.decode(0, as: Bool.self) == true)

            // Several passes later: recorded once, the runs left to their CronJob, no Job made by us.
            try await p.waitForFullPasses(3)
            #expect(try await f.failures("bad").count == 1)
            #expect(try await f.audit(action: "failure").filter { $0.accountID == "bad" }.count == 1)
            #expect(try await f.audit(action: "success").filter { $0.accountID == "ok" }.count == 1)
            let runs = try await Self.objects(f, "jobs")
            #expect(runs.keys.contains { $0.hasPrefix("sync-bad-") } && runs.keys.contains { $0.hasPrefix("sync-ok-") })
            let ours = try await f.emulator.requests().log.filter { $0.user == ServiceAccounts.provisionerUser && $0.resource == "jobs" }
            #expect(!ours.contains { $0.verb == "create" || $0.verb == "delete" }, "\(ours.map { "\($0.method) \($0.path)" })")
            #expect(!ours.contains { $0.code == 403 })

            // The next day's run fails again: recorded, the count goes on.
            try await f.emulator.advanceClock(seconds: 86_400)
            try await eventually("the second failure recorded", timeout: 30, log: p.logTail) { try await f.failures("bad").count == 2 }
            #expect(try await f.failures("bad").map(\.attempt).sorted() == [1, 2])

            // A config change: the CronJob updated in place.
            try await f.execute("UPDATE accounts SET config = jsonb_set(config, '{tag}', '\"v2\"') WHERE account_id = 'ok'")
            try await eventually("sync-ok's job template at v2", timeout: 20, log: p.logTail) {
                try await Self.objects(f, "cronjobs")["sync-ok"]?["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"] == "sync:v2"
            }
            let updated = try #require(try await Self.objects(f, "cronjobs")["sync-ok"])
            #expect(updated["metadata"]?["uid"] == ok["metadata"]?["uid"])
            #expect(updated["metadata"]?["generation"]?.integerValue == (ok["metadata"]?["generation"]?.integerValue ?? 0) + 1)
            #expect(try await f.audit(action: "update").map(\.accountID) == ["ok"])
            try await eventually("ok's row running after the update", log: p.logTail) { try await f.status("ok")?.phase == "running" }

            // Drift: someone changes bad's schedule and drops the spec hash; the next pass puts it back.
            let patched = try await f.kubectl(["patch", "cronjob", "sync-bad", "--type=json", "-p",
                                               #"[{"op":"replace","path":"/spec/schedule","value":"* * * * *"},{"op":"remove","path":"/metadata/annotations/tenant-provisioner~1spec-hash"}]"#])
            #expect(patched.code == 0, "\(patched.stderr)")
            try await eventually("sync-bad's schedule put back", timeout: 20, log: p.logTail) {
                try await Self.objects(f, "cronjobs")["sync-bad"]?["spec"]?["schedule"] == "0 5 * * *"
            }

            // Deactivated: the CronJob goes, and its runs with it.
            try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'ok'")
            try await eventually("sync-ok and its runs gone", timeout: 30, log: p.logTail) {
                let cron = try await Self.objects(f, "cronjobs")["sync-ok"]
                let runs = try await Self.objects(f, "jobs").keys.filter { $0.hasPrefix("sync-ok-") }
                return cron == nil && runs.isEmpty
            }
            try await eventually("ok inactive", log: p.logTail) { try await f.status("ok")?.phase == "inactive" }
            let refused = try await f.emulator.requests().log.filter { $0.user == ServiceAccounts.provisionerUser && $0.code == 403 }
            #expect(refused.isEmpty, "the overlay's Role is enough: \(refused.map { "\($0.method) \($0.path)" })")
        }
    }

    /// Deleting a CronJob counts against MAX_DELETES_PER_PASS like a Job: with no budget left it
    /// stays, the deletion deferred and counted, until the budget allows it.
    @Test func cronJobDeletionsKeepToTheIntervalBudget() async throws {
        try await ProvisionerFixture.with(template: Self.template, install: DeployManifests.cronJobs) { f in
            try await f.emulator.setClock(Self.start)
            try await f.insertAccount("ok", config: Self.succeeding)
            let p = try f.start([], ["POLL_INTERVAL": "1", "MAX_DELETES_PER_PASS": "0"])
            try await eventually("sync-ok", timeout: 30, log: p.logTail) { try await Self.objects(f, "cronjobs")["sync-ok"] != nil }
            try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'ok'")
            try await p.waitForMetric("tenant_provisioner_deletions_deferred_total", toGrowBy: 2)
            #expect(try await Self.objects(f, "cronjobs")["sync-ok"] != nil, "no budget: the CronJob stays")
            #expect(try await f.audit(action: "delete").isEmpty)
        }
    }
}

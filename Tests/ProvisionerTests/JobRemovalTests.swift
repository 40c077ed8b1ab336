import Common
import Foundation
import Postgres
import TestSupport
import Testing

/// SPEC "Reconcile": Jobs of inactive and deleted accounts go, with Foreground propagation, and
/// never more than MAX_DELETES_PER_PASS per interval.
@Suite struct JobRemovalTests {
    @Test func deactivatedAndDeletedAccountsLoseTheirJobsByForegroundDeletion() async throws {
        try await ProvisionerFixture.with { f in
            for id in ["keep", "pause", "gone"] { try await f.insertAccount(id) }
            let provisioner = try f.start()
            try await eventually("three Jobs", log: provisioner.logTail) {
                try await f.jobNames() == ["worker-keep", "worker-pause", "worker-gone"]
            }
            let uids = Dictionary(uniqueKeysWithValues: try await f.jobs().map {
                ($0["metadata"]!["name"]!.stringValue!, $0["metadata"]!["uid"]!.stringValue!)
            })

            try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'pause'")
            try await f.execute("DELETE FROM accounts WHERE account_id = 'gone'")
            try await eventually("the two Jobs gone", log: provisioner.logTail) { try await f.jobNames() == ["worker-keep"] }

            let deletes = try await f.jobRequestsExceptWatch().filter { $0.verb == "delete" }
            #expect(Set(deletes.map { $0.path.split(separator: "/").last.map(String.init) ?? "" }) == ["worker-pause", "worker-gone"])
            #expect(deletes.allSatisfy { $0.propagationPolicy == "Foreground" }, "\(deletes.map { $0.propagationPolicy ?? "none" })")
            #expect(try await f.job("worker-keep")?["metadata"]?["uid"]?.stringValue == uids["worker-keep"])

            let audit = try await f.audit(action: "delete")
            let pause = try #require(audit.first { $0.accountID == "pause" })
            #expect(pause.jobName == "worker-pause")
            #expect(pause.jobUID == uids["worker-pause"])
            #expect(pause.reason == "account inactive")
            let gone = try #require(audit.first { $0.accountID == "gone" })
            #expect(gone.jobUID == uids["worker-gone"])
            #expect(gone.reason == "account deleted")
            #expect(audit.count == 2)

            try await eventually("both status rows inactive once the Jobs are gone", log: provisioner.logTail) {
                let pause = try await f.status("pause")?.phase
                let gone = try await f.status("gone")?.phase
                return pause == "inactive" && gone == "inactive"
            }
            #expect(try await f.status("keep")?.phase == "running")
        }
    }

    @Test func atMostMaxDeletesPerPassDeletionsPerIntervalAndTheRestLater() async throws {
        try await ProvisionerFixture.with { f in
            let ids = (1...5).map { "t\($0)" }
            for id in ids { try await f.insertAccount(id) }
            let interval = 3.0
            let provisioner = try f.start([], ["MAX_DELETES_PER_PASS": "2", "POLL_INTERVAL": "\(interval)"])
            try await eventually("five Jobs", log: provisioner.logTail) { try await f.jobNames().count == 5 }

            try await f.execute("UPDATE accounts SET is_active = false")
            try await eventually("every Job deleted", timeout: 20, log: provisioner.logTail) { try await f.jobNames().isEmpty }

            let deletes = try await f.jobRequestsExceptWatch().filter { $0.verb == "delete" }.sorted { $0.t < $1.t }
            #expect(deletes.count == 5)
            let first = try #require(deletes.first).t
            // The budget is a window of POLL_INTERVAL from the pass that spent it; a little
            // slack for the time between planning and the request.
            let inFirstInterval = deletes.filter { $0.t < first + interval - 0.5 }
            #expect(inFirstInterval.count <= 2, "deletions within the first interval: \(deletes.map { $0.t - first })")
            #expect(deletes.last!.t - first >= 2 * interval - 1, "five deletions at two per interval need three intervals")
            let deferred = try #require(await provisioner.metric("tenant_provisioner_deletions_deferred_total"))
            #expect(deferred >= 3)
        }
    }
}

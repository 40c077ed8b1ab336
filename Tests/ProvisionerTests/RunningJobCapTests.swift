import Common
import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

/// SPEC "Workload shapes and the concurrency cap": `MAX_RUNNING_JOBS` end to end. The emulator's
/// Jobs run until the test finishes them, one at a time, so which account gets each freed slot
/// is deterministic: always the next in the fair order, never a fourth Job at once.
@Suite struct RunningJobCapTests {
    /// The fair order of the ten accounts the status rows below make: never succeeded first (the
    /// one that never failed, then the oldest failure), then the oldest success (a tie broken by
    /// "never failed" first). Deliberately not the id order.
    static let fairOrder = ["a7", "a3", "a5", "a0", "a9", "a2", "a1", "a8", "a4", "a6"]

    /// History written before the provisioner started (as by an older version): phase inactive,
    /// so each account gets a Job ("account activated"), and only the timestamps decide the order.
    static let history = """
        INSERT INTO account_status (account_id, phase, last_success_at, last_failure_at) VALUES
          ('a3', 'inactive', NULL, now() - interval '1 hour'),
          ('a5', 'inactive', NULL, now() - interval '10 minutes'),
          ('a0', 'inactive', now() - interval '5 hours', NULL),
          ('a9', 'inactive', now() - interval '4 hours', NULL),
          ('a2', 'inactive', now() - interval '3 hours', NULL),
          ('a1', 'inactive', now() - interval '3 hours', now() - interval '1 hour'),
          ('a8', 'inactive', now() - interval '2 hours', NULL),
          ('a4', 'inactive', now() - interval '1 hour', NULL),
          ('a6', 'inactive', now() - interval '30 minutes', NULL)
        """

    static func isFinished(_ job: JSONValue) -> Bool {
        (job["status"]?["conditions"]?.arrayValue ?? []).contains {
            ($0["type"] == "Complete" || $0["type"] == "Failed") && $0["status"] == "True"
        }
    }

    @Test func tenAccountsThreeSlotsEveryAccountServedInFairOrderAndARestartWaitsForASlot() async throws {
        try await ProvisionerFixture.with { f in
            for id in Self.fairOrder.sorted() { try await f.insertAccount(id) }
            try await f.execute(Self.history)
            // Watches the cluster the whole time: the most unfinished Jobs ever seen at once.
            let most = Mutex(0)
            let monitor = Task {
                while !Task.isCancelled {
                    if let jobs = try? await f.jobs() {
                        let unfinished = jobs.filter { !Self.isFinished($0) }.count
                        most.withLock { $0 = max($0, unfinished) }
                    }
                    try? await Task.sleep(for: .milliseconds(40))
                }
            }
            defer { monitor.cancel() }
            let p = try f.start([], ["MAX_RUNNING_JOBS": "3", "POLL_INTERVAL": "2", "RESTART_DELAY": "2"])

            func unfinished() async throws -> Set<String> {
                Set(try await f.jobs().filter { !Self.isFinished($0) }.compactMap { $0["metadata"]?["name"]?.stringValue })
            }
            func places() async throws -> [String: String] {
                var out: [String: String] = [:]
                for row in try await f.query("SELECT account_id, message FROM account_status WHERE phase = 'queued'") {
                    out[try row.decode(0)] = try row.decode(1, as: String?.self) ?? ""
                }
                return out
            }

            // The first three in fair order run; the other seven wait, each told its place.
            let first = Set(Self.fairOrder.prefix(3).map { "worker-\($0)" })
            try await eventually("three Jobs and seven queued accounts", log: p.logTail) {
                let running = try await unfinished()
                let waiting = try await places()
                return running == first && waiting.count == 7
            }
            let queued = try await places()
            for (offset, id) in Self.fairOrder.dropFirst(3).enumerated() {
                #expect(queued[id]?.hasPrefix("queued: place \(offset + 1) of 7 waiting for a free slot (MAX_RUNNING_JOBS 3") == true,
                        "\(id): \(queued[id] ?? "not queued")")
            }
            try await eventually("the queued gauge", log: p.logTail) { await p.metric("tenant_provisioner_jobs_queued") == 7 }

            // Each freed slot goes to the next account in fair order, and only to it.
            var running = Self.fairOrder.prefix(3).map { $0 }
            for next in Self.fairOrder[3..<9] {
                let done = running.removeFirst()
                try await f.emulator.finishJob(name: "worker-\(done)", outcome: ["result": "succeed"])
                running.append(next)
                let expected = Set(running.map { "worker-\($0)" })
                try await eventually("\(done) finished, \(next) got its slot", log: p.logTail) { try await unfinished() == expected }
                #expect(try await f.status(done)?.phase == "succeeded")
            }
            #expect(try await places().keys.sorted() == ["a6"])

            // A NOTIFY-triggered create waits its turn: a7 (succeeded minutes ago) deactivated and
            // activated again joins the end of the line instead of taking a slot.
            try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'a7'")
            try await eventually("a7's finished Job deleted", log: p.logTail) {
                let gone = try await f.uid("worker-a7") == nil
                let phase = try await f.status("a7")?.phase
                return gone && phase == "inactive"
            }
            try await f.execute("UPDATE accounts SET is_active = true WHERE account_id = 'a7'")
            try await eventually("a7 queued behind a6", log: p.logTail) {
                try await places()["a7"]?.hasPrefix("queued: place 2 of 2 ") == true
            }
            #expect(try await unfinished() == Set(running.map { "worker-\($0)" }), "no fourth Job")

            // A restart waits for a slot too. a1 fails: its slot goes to a6 (waiting, first in
            // line) at once; when a1's restart is due (RESTART_DELAY 2 s) every slot is taken, so
            // it is queued, and remembers that it is a restart.
            #expect(running == ["a1", "a8", "a4"])
            let failedUID = try #require(try await f.uid("worker-a1"))
            try await f.emulator.finishJob(name: "worker-a1", outcome: ["result": "fail", "exitCode": 1])
            try await eventually("a6 runs in a1's slot", log: p.logTail) { try await unfinished() == ["worker-a8", "worker-a4", "worker-a6"] }
            try await eventually("a1's restart queued", timeout: 20, log: p.logTail) {
                let rows = try await f.query("SELECT phase, queued_for FROM account_status WHERE account_id = 'a1'")
                return try rows.first?.decode(0, as: String.self) == "queued" && rows.first?.decode(1, as: String?.self) == "restart"
            }
            #expect(try await f.uid("worker-a1") == nil, "the failed Job was deleted when its restart was due; the new one waits")
            #expect(try await places()["a1"]?.contains("its restart is created when its turn comes") == true)

            try await f.emulator.finishJob(name: "worker-a8", outcome: ["result": "succeed"])
            try await eventually("a1 restarted in a8's slot", log: p.logTail) { try await unfinished() == ["worker-a4", "worker-a6", "worker-a1"] }
            let newUID = try #require(try await f.uid("worker-a1"))
            #expect(newUID != failedUID)
            try await eventually("the restart audited and marked in job_failures", log: p.logTail) {
                let restarts = try await f.audit(action: "restart").filter { $0.accountID == "a1" }
                let failures = try await f.failures("a1")
                return restarts.contains { $0.jobUID == newUID } && !failures.isEmpty && failures.allSatisfy { $0.restartedAt != nil }
            }
            // a1's restart went ahead of a7: its last success is older.
            #expect(try await places().keys.sorted() == ["a7"])
            try await eventually("the queued gauge down to 1", log: p.logTail) { await p.metric("tenant_provisioner_jobs_queued") == 1 }

            monitor.cancel()
            _ = await monitor.value
            #expect(most.withLock { $0 } == 3, "never more than MAX_RUNNING_JOBS unfinished Jobs (and the cap was reached)")
            // Every account was served: each had a Job created.
            let created = Set(try await f.audit(action: "create").compactMap(\.accountID))
            #expect(created == Set(Self.fairOrder), "\(Set(Self.fairOrder).subtracting(created))")
            #expect(try await f.uid("worker-a7") == nil, "a7 still waits for a slot")
        }
    }
}

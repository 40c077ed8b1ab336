import Common
import Foundation
import Kube
import Postgres
import TestSupport
import Testing

/// SPEC "Restart logic", run end to end: the provisioner against PostgreSQL and the emulator's
/// scripted failures.
@Suite struct RestartTests {
    static let oomWorker: JSONValue = [
        "result": "fail", "afterSeconds": 0.2, "exitCode": 137, "reason": "OOMKilled",
        "containers": [
            "worker": ["logs": ["starting sync", "loaded 120000 rows", "allocating 2 GiB for the index"]],
            "sidecar": ["exitCode": 143, "reason": "Error", "logs": ["proxy up"]],
        ],
    ]

    /// Every failed container is a row with its own exit code and log; the worker explains the
    /// failure; with SKIP_DELAY_ON_OOM the Job is back at once, recorded once, announced by an Event.
    @Test func anOOMKilledJobIsRecordedPerContainerAndRestartedAtOnceWithSkipDelayOnOOM() async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.scriptOutcome(job: "worker-oom", outcome: Self.oomWorker)
            try await f.insertAccount("oom")
            let p = try f.start([], ["SKIP_DELAY_ON_OOM": "true", "RESTART_DELAY": "3600", "LOG_TAIL_LINES": "2"])
            try await eventually("the first Job", log: p.logTail) { try await f.uid("worker-oom") != nil }
            let failedUID = try #require(try await f.uid("worker-oom"))
            try await eventually("a new Job after the OOM kill", log: p.logTail) {
                guard let uid = try await f.uid("worker-oom") else { return false }
                let statusUID = try await f.status("oom")?.jobUID
                return uid != failedUID && statusUID == uid
            }
            let rows = try await f.failures("oom").filter { $0.jobUID == failedUID }
            #expect(rows.map(\.container) == ["worker", "sidecar"])
            let worker = try #require(rows.first)
            #expect(worker.exitCode == 137 && worker.reason == "OOMKilled" && worker.attempt == 1)
            #expect(worker.logTail == "loaded 120000 rows\nallocating 2 GiB for the index\n" || worker.logTail == "loaded 120000 rows\nallocating 2 GiB for the index",
                    "the last LOG_TAIL_LINES lines of the worker's own log: \(worker.logTail ?? "nil")")
            #expect(rows.last?.exitCode == 143 && rows.last?.logTail?.contains("proxy up") == true)
            #expect(worker.restartAt != nil && worker.restartAt! <= worker.failedAt + 2, "restart at once, not after RESTART_DELAY")
            try await eventually("restarted_at set", log: p.logTail) { try await f.failures("oom").allSatisfy { $0.restartedAt != nil } }

            // The script fails every Job of that name, so the restarted one fails too: look at the first.
            let events = try await f.events(about: "worker-oom", reason: "Restarting").filter { $0["involvedObject"]?["uid"] == .string(failedUID) }
            #expect(events.count == 1)
            #expect(events.first?["type"] == "Warning")
            #expect(events.first?["message"]?.stringValue?.contains("container worker of pod") == true)
            #expect(events.first?["involvedObject"]?["uid"] == .string(failedUID))

            #expect(try await f.audit(action: "failure").count >= 1)
            let restart = try await f.audit(action: "restart")
            #expect(restart.first?.jobUID == failedUID, "the delete half names the failed Job")
            #expect(restart.count >= 2 && restart[1].jobUID != failedUID, "the create half names its successor")
            #expect(p.log.contains("job failed: container worker of pod"))
            #expect(p.log.contains("log.last_line=\"allocating 2 GiB for the index\"") || p.log.contains("log.last_line=allocating"))
            try await eventually("the restart counted", log: p.logTail) { await p.metric("tenant_provisioner_jobs_restarted_total") ?? 0 >= 1 }
            #expect(await p.metric(#"tenant_provisioner_job_failures_total{reason="OOMKilled"}"#) ?? 0 >= 1)
            #expect(await p.metric("tenant_provisioner_restart_duration_seconds_count") ?? 0 >= 1)
        }
    }

    /// RESTART_DELAY counted from the Failed condition's time; phase restart_scheduled meanwhile.
    @Test func anErrorExitIsRestartedAfterTheDelay() async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.scriptOutcome(job: "worker-err", outcome: ["result": "fail", "afterSeconds": 0.2, "exitCode": 1, "reason": "Error"])
            try await f.insertAccount("err")
            let p = try f.start([], ["RESTART_DELAY": "3", "POLL_INTERVAL": "30"])
            try await eventually("the failure recorded", log: p.logTail) { try await f.status("err")?.phase == "restart_scheduled" }
            let row = try #require(try await f.failures("err").first)
            #expect(row.exitCode == 1 && row.reason == "Error" && row.container == "worker")
            let due = try #require(try await f.restartState("err")?.nextRestartAt)
            #expect(abs(due.timeIntervalSince(row.failedAt) - 3) < 0.01)
            let failedUID = row.jobUID
            #expect(try await f.uid("worker-err") == failedUID, "not restarted before the delay")
            // POLL_INTERVAL is 30 s: the restart comes from the scheduled wake-up, not the poll.
            try await eventually("restarted after the delay", timeout: 10, log: p.logTail) {
                guard let uid = try await f.uid("worker-err"), uid != failedUID else { return false }
                return true
            }
            let created = try #require(try await f.job("worker-err")?["metadata"]?["creationTimestamp"]?.stringValue).flatMap(Timestamp.parse)
            #expect(created.map { $0 >= row.failedAt + 2 } == true, "created \(String(describing: created)), failed \(row.failedAt)")
            let scheduled = try await f.events(about: "worker-err", reason: "RestartScheduled").filter { $0["involvedObject"]?["uid"] == .string(failedUID) }
            #expect(scheduled.count == 1)
        }
    }

    @Test func aJobThatHitItsDeadlineBeforeAnyPodIsOneRowWithoutPod() async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.scriptOutcome(job: "worker-late", outcome: ["result": "fail", "afterSeconds": 0.2, "deadlineExceeded": true])
            try await f.insertAccount("late")
            let p = try f.start()
            try await eventually("the failure recorded", log: p.logTail) { try await !f.failures("late").isEmpty }
            let rows = try await f.failures("late")
            #expect(rows.count == 1)
            #expect(rows.first?.pod == nil && rows.first?.container == nil && rows.first?.exitCode == nil)
            #expect(rows.first?.reason == "DeadlineExceeded")
        }
    }

    @Test func anEvictedPodIsARowWithThePodsReason() async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.scriptOutcome(job: "worker-evict", outcome: ["result": "fail", "afterSeconds": 0.2, "evicted": true])
            try await f.insertAccount("evict")
            let p = try f.start()
            try await eventually("the failure recorded", log: p.logTail) { try await !f.failures("evict").isEmpty }
            let rows = try await f.failures("evict")
            #expect(rows.count == 1)
            #expect(rows.first?.reason == "Evicted" && rows.first?.pod != nil && rows.first?.container == nil)
            #expect(rows.first?.message?.contains("low on resource") == true)
        }
    }

    @Test func aFailingLogEndpointStillRecordsTheFailure() async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.scriptOutcome(job: "worker-nolog", outcome: ["result": "fail", "afterSeconds": 0.2, "exitCode": 2, "logs": ["x"]])
            try await f.injectLogFaults()
            try await f.insertAccount("nolog")
            let p = try f.start()
            try await eventually("the failure recorded", log: p.logTail) { try await !f.failures("nolog").isEmpty }
            let rows = try await f.failures("nolog")
            #expect(rows.map(\.exitCode) == [2, 2])
            #expect(rows.allSatisfy { $0.logTail == nil })
            let logRequests = try await f.emulator.requests().log.filter { $0.path.hasSuffix("/log") }
            #expect(!logRequests.isEmpty && logRequests.allSatisfy { $0.code == 500 })
        }
    }

    /// The issue's backoff: RESTART_DELAY 3, factor 2, cap 7 → 3, 6, 7 s after each failure.
    @Test func theDelayGrowsByTheFactorUpToTheCapEndToEnd() async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.setDefaultOutcome(["result": "fail", "afterSeconds": 0.1, "exitCode": 1, "reason": "Error"])
            try await f.insertAccount("flaky")
            let p = try f.start([], ["RESTART_DELAY": "3", "RESTART_BACKOFF_FACTOR": "2", "RESTART_DELAY_MAX": "7"])
            try await eventually("three failures recorded", timeout: 40, log: p.logTail) {
                Set(try await f.failures("flaky").map(\.attempt)).count >= 3
            }
            var byAttempt: [Int: ProvisionerFixture.FailureRow] = [:]
            for row in try await f.failures("flaky") where byAttempt[row.attempt] == nil { byAttempt[row.attempt] = row }
            for (attempt, delay) in [(1, 3.0), (2, 6.0), (3, 7.0)] {
                let row = try #require(byAttempt[attempt])
                let restartAt = try #require(row.restartAt)
                #expect(abs(restartAt.timeIntervalSince(row.failedAt) - delay) < 0.01, "attempt \(attempt)")
            }
            // Each restart came no earlier than its time: the next failure is after it.
            for attempt in [1, 2] {
                let next = try #require(byAttempt[attempt + 1])
                let restartAt = try #require(byAttempt[attempt]?.restartAt)
                #expect(next.failedAt >= restartAt - 1)
            }
        }
    }

    /// The schedule lives in account_status: a new provisioner restarts at the persisted time and
    /// records the failure once.
    @Test func aProvisionerRestartedDuringTheDelayRestartsAtThePersistedTime() async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.scriptOutcome(job: "worker-wait", outcome: ["result": "fail", "afterSeconds": 0.2, "exitCode": 1])
            try await f.insertAccount("wait")
            let first = try f.start([], ["RESTART_DELAY": "4"])
            try await eventually("the failure recorded", log: first.logTail) { try await f.status("wait")?.phase == "restart_scheduled" }
            let failedUID = try #require(try await f.uid("worker-wait"))
            let due = try #require(try await f.restartState("wait")?.nextRestartAt)
            first.process.signal(SIGTERM)
            await first.process.wait(timeout: 25)
            let second = try f.start([], ["RESTART_DELAY": "4", "POD_NAME": "provisioner-second"])
            try await eventually("restarted by the second provisioner", timeout: 15, log: second.logTail) {
                guard let uid = try await f.uid("worker-wait") else { return false }
                return uid != failedUID
            }
            #expect(Date() >= due - 0.5)
            #expect(try await f.failures("wait").filter { $0.jobUID == failedUID }.count == 2, "worker and sidecar, once each")
            #expect(try await f.audit(action: "failure").filter { $0.jobUID == failedUID }.count == 1)
            #expect(try await f.events(about: "worker-wait", reason: "RestartScheduled").filter { $0["involvedObject"]?["uid"] == .string(failedUID) }.count == 1)
            #expect(try await f.audit(action: "restart").contains { $0.actor == "provisioner-second" })
        }
    }

    @Test func anAccountDeactivatedDuringTheDelayHasItsJobDeletedNotRestarted() async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.scriptOutcome(job: "worker-gone", outcome: ["result": "fail", "afterSeconds": 0.2, "exitCode": 1])
            try await f.insertAccount("gone")
            let p = try f.start([], ["RESTART_DELAY": "3"])
            try await eventually("the failure recorded", log: p.logTail) { try await f.status("gone")?.phase == "restart_scheduled" }
            try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'gone'")
            try await eventually("the Job deleted and the account inactive", log: p.logTail) {
                let phase = try await f.status("gone")?.phase
                return try await f.jobNames().isEmpty && phase == "inactive"
            }
            try await Task.sleep(nanoseconds: 3_500_000_000)  // past the restart time
            try await p.waitForFullPasses(2)
            #expect(try await f.jobNames().isEmpty)
            #expect(try await f.audit(action: "restart").isEmpty)
            #expect(try await f.restartState("gone")?.nextRestartAt == nil)
        }
    }

    /// A failure that happens while the operator is away, or right after its watch was cut,
    /// is found by the relist and recorded.
    @Test func failuresWhileTheWatchIsCutOrTheOperatorDownAreRecorded() async throws {
        try await ProvisionerFixture.with { f in
            try await f.insertAccount("cut")
            try await f.insertAccount("away")
            let p = try f.start([], ["RESTART_DELAY": "3600"])
            try await eventually("both Jobs", log: p.logTail) { try await f.jobNames() == ["worker-cut", "worker-away"] }
            try await f.emulator.cutWatches()
            try await f.emulator.finishJob(name: "worker-cut", outcome: ["result": "fail", "exitCode": 3])
            try await eventually("the failure after the cut recorded", log: p.logTail) { try await !f.failures("cut").isEmpty }

            p.process.signal(SIGTERM)
            await p.process.wait(timeout: 25)
            try await f.emulator.finishJob(name: "worker-away", outcome: ["result": "fail", "exitCode": 4])
            let next = try f.start([], ["RESTART_DELAY": "3600"])
            try await eventually("the failure while away recorded", log: next.logTail) { try await !f.failures("away").isEmpty }
            #expect(try await f.failures("away").first?.exitCode == 4)
            #expect(try await f.failures("cut").count == 2, "not recorded again by the second provisioner")
        }
    }

    /// OOM_MEMORY_FACTOR 1.5 from the template's 512Mi: 768Mi, then 1Gi (1152Mi capped).
    @Test func oomEscalationRaisesTheMemoryThenStopsAtTheMaximum() async throws {
        let template = ProvisionerFixture.template.replacingOccurrences(of: """
                      env:
                        - name: FIXED
            """, with: """
                      resources:
                        limits:
                          memory: 512Mi
                      env:
                        - name: FIXED
            """)
        try await ProvisionerFixture.with(template: template) { f in
            try await f.insertAccount("hungry")
            let p = try f.start([], ["SKIP_DELAY_ON_OOM": "true", "OOM_MEMORY_FACTOR": "1.5", "OOM_MEMORY_MAX": "1Gi"])
            // Each Job runs until the test kills it (OOMKilled), so none can come and go unseen.
            var uids: Set<String> = []
            for expected in ["512Mi", "768Mi", "1Gi", "1Gi"] {
                var current: String?
                try await eventually("a new Job with memory \(expected)", timeout: 30, log: p.logTail) {
                    guard let job = try await f.job("worker-hungry"), job["metadata"]?["deletionTimestamp"] == nil,
                          let uid = job["metadata"]?["uid"]?.stringValue, !uids.contains(uid) else { return false }
                    let limit = job["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["resources"]?["limits"]?["memory"]?.stringValue
                    #expect(limit == expected, "the Job after \(uids.count) OOM kills")
                    current = uid
                    return true
                }
                uids.insert(current ?? "")
                try await f.emulator.finishJob(name: "worker-hungry", outcome: ["result": "fail", "exitCode": 137, "reason": "OOMKilled"])
            }
            try await eventually("the last failure recorded", log: p.logTail) { try await Set(f.failures("hungry").map(\.jobUID)).count == 4 }
            #expect(try await f.restartState("hungry")?.memoryOverride == "1Gi")
        }
    }
}

/// A restart cut short between its delete and its create loses no Job: the next provisioner
/// finds the account's Job missing and its row `restart_scheduled`, due, and creates it once the
/// old Job (20 s in Foreground deletion) is gone; never two Jobs for one account.
@Suite struct InterruptedRestartTests {
    @Test(arguments: [SIGTERM, SIGKILL])
    func aRestartInterruptedBetweenDeleteAndCreateIsFinishedByTheNextProvisioner(signal: Int32) async throws {
        try await ProvisionerFixture.with(emulatorArguments: ["--foreground-delay", "20"]) { f in
            try await f.emulator.scriptOutcome(job: "worker-cut", outcome: ["result": "fail", "afterSeconds": 0.2, "exitCode": 137, "reason": "OOMKilled"])
            try await f.insertAccount("cut")
            let first = try f.start([], ["SKIP_DELAY_ON_OOM": "true"])
            try await eventually("the failed Job in its Foreground deletion", log: first.logTail) {
                try await f.job("worker-cut")?["metadata"]?["deletionTimestamp"] != nil
            }
            let failedUID = try #require(try await f.uid("worker-cut"))
            try await f.emulator.scriptOutcome(job: "worker-cut", outcome: ["result": "run"])
            first.process.signal(signal)
            let code = await first.process.wait(timeout: 25)
            if signal == SIGTERM { #expect(code == 0, "SIGTERM exits 0 without waiting for the deletion") }

            let second = try f.start([], ["SKIP_DELAY_ON_OOM": "true", "POD_NAME": "provisioner-next"])
            var liveCounts: Set<Int> = []
            try await eventually("the restarted Job", timeout: 40, log: second.logTail) {
                let live = try await f.jobs().filter { job in
                    job["metadata"]?["annotations"]?["tenant-provisioner/account-id"] == "cut" && job["metadata"]?["deletionTimestamp"] == nil
                }
                liveCounts.insert(live.count)
                return live.contains { $0["metadata"]?["uid"]?.stringValue != failedUID }
            }
            #expect(liveCounts.isSubset(of: [0, 1]), "never two Jobs for one account: \(liveCounts)")
            #expect(try await f.failures("cut").filter { $0.jobUID == failedUID }.count == 2, "recorded once: worker and sidecar")
            try await eventually("the restart's create audited by the next provisioner", log: second.logTail) {
                try await f.audit(action: "restart").contains { $0.actor == "provisioner-next" && $0.jobUID != failedUID }
            }
            try await eventually("restarted_at set", log: second.logTail) { try await f.failures("cut").allSatisfy { $0.restartedAt != nil } }
        }
    }
}

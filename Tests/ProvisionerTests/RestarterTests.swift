import Common
import Foundation
import Kube
import Postgres
import TestSupport
import Testing

/// The standalone `restarter` (SPEC "Restart logic"): Jobs made by something else, here by
/// kubectl, restarted from the manifest remembered when first seen.
@Suite struct RestarterTests {
    /// A Job as a user writes it: labels, annotations, a TTL, a deadline and a pod failure policy.
    static let userJob = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: nightly-sync
          labels:
            app: sync
            team: data
          annotations:
            example.com/owner: data-team
        spec:
          backoffLimit: 0
          ttlSecondsAfterFinished: 3600
          activeDeadlineSeconds: 7200
          podFailurePolicy:
            rules:
              - action: FailJob
                onExitCodes:
                  operator: In
                  values: [42]
          template:
            metadata:
              labels:
                app: sync
            spec:
              restartPolicy: Never
              containers:
                - name: sync
                  image: busybox:1.36
                  command: ["sh", "-c", "echo syncing; exit 1"]

        """

    @Test(arguments: [false, true])
    func aKubectlCreatedJobIsRestartedWithEverythingItsUserSet(withDatabase: Bool) async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.scriptOutcome(job: "nightly-sync", outcome: ["result": "fail", "afterSeconds": 0.5, "exitCode": 1, "logs": ["syncing", "connection refused"]])
            let created = try await f.kubectl(["create"], input: Self.userJob)
            #expect(created.code == 0, "\(created.stderr)")
            let r = try f.startRestarter(database: withDatabase, ["JOB_NAMES": "nightly-sync", "RESTART_DELAY": "1"])
            let firstUID = try #require(try await f.uid("nightly-sync"))
            try await eventually("the Job restarted", timeout: 20, log: r.logTail) {
                guard let job = try await f.job("nightly-sync"), job["metadata"]?["deletionTimestamp"] == nil,
                      let uid = job["metadata"]?["uid"]?.stringValue else { return false }
                return uid != firstUID
            }
            try await f.emulator.scriptOutcome(job: "nightly-sync", outcome: ["result": "run"])
            let job = try #require(try await f.job("nightly-sync"))
            #expect(job["metadata"]?["labels"]?["app"] == "sync" && job["metadata"]?["labels"]?["team"] == "data")
            #expect(job["metadata"]?["annotations"]?["example.com/owner"] == "data-team")
            #expect(job["spec"]?["ttlSecondsAfterFinished"] == 3600)
            #expect(job["spec"]?["activeDeadlineSeconds"] == 7200)
            #expect(job["spec"]?["podFailurePolicy"]?["rules"]?.arrayValue?.first?["action"] == "FailJob")
            #expect(job["spec"]?["selector"]?["matchLabels"]?["batch.kubernetes.io/controller-uid"] == job["metadata"]?["uid"],
                    "the server generated a fresh selector")
            #expect(try await f.events(about: "nightly-sync").contains { $0["reason"] == "RestartScheduled" || $0["reason"] == "Restarting" })
            #expect(r.log.contains("job failed: container sync of pod"))
            let deletes = try await f.emulator.requests().log.filter { $0.verb == "delete" && $0.resource == "jobs" }
            #expect(!deletes.isEmpty && deletes.allSatisfy { $0.propagationPolicy == "Foreground" })
            if withDatabase {
                let rows = try await f.query("SELECT account_id, job_uid, container_name, exit_code, log_tail, restarted_at IS NOT NULL FROM job_failures ORDER BY id")
                #expect(rows.count >= 1)
                #expect(try rows.first?.decode(0, as: String?.self) == nil, "no account")
                #expect(try rows.first?.decode(1, as: String.self) == firstUID)
                #expect(try rows.first?.decode(3, as: Int.self) == 1)
                #expect(try rows.first?.decode(4, as: String?.self)?.contains("connection refused") == true)
                try await eventually("the restart audited", log: r.logTail) {
                    try await f.audit(action: "restart").contains { $0.actor == "restarter-test" && $0.jobUID != firstUID }
                }
            } else {
                #expect(try await f.query("SELECT 1 FROM job_failures").isEmpty)
            }
        }
    }

    /// The memory is in ConfigMaps: a restarter killed between the delete and the create (a 20 s
    /// Foreground deletion) is replaced by one that creates the Job once it is gone.
    @Test func aRestarterKilledMidRestartLosesNoJob() async throws {
        try await ProvisionerFixture.with(emulatorArguments: ["--foreground-delay", "20"]) { f in
            try await f.emulator.scriptOutcome(job: "nightly-sync", outcome: ["result": "fail", "afterSeconds": 0.3, "exitCode": 137, "reason": "OOMKilled"])
            #expect(try await f.kubectl(["create"], input: Self.userJob).code == 0)
            let first = try f.startRestarter(["JOB_NAMES": "nightly-sync", "SKIP_DELAY_ON_OOM": "true"])
            try await eventually("the failed Job in its Foreground deletion", log: first.logTail) {
                try await f.job("nightly-sync")?["metadata"]?["deletionTimestamp"] != nil
            }
            let failedUID = try #require(try await f.uid("nightly-sync"))
            try await f.emulator.scriptOutcome(job: "nightly-sync", outcome: ["result": "run"])
            first.process.signal(SIGKILL)
            _ = await first.process.wait(timeout: 10)
            let second = try f.startRestarter(["JOB_NAMES": "nightly-sync", "SKIP_DELAY_ON_OOM": "true", "POD_NAME": "restarter-next"])
            try await eventually("the Job created again", timeout: 40, log: second.logTail) {
                guard let job = try await f.job("nightly-sync"), job["metadata"]?["deletionTimestamp"] == nil else { return false }
                return job["metadata"]?["uid"]?.stringValue != failedUID
            }
            #expect(try await f.job("nightly-sync")?["metadata"]?["labels"]?["team"] == "data")
        }
    }

    @Test func onlyTheSelectedJobsAreRestartedAndIdleMeansNoRequests() async throws {
        try await ProvisionerFixture.with { f in
            let other = Self.userJob.replacingOccurrences(of: "nightly-sync", with: "someone-else").replacingOccurrences(of: "app: sync", with: "app: other")
            #expect(try await f.kubectl(["create"], input: Self.userJob).code == 0)
            #expect(try await f.kubectl(["create"], input: other).code == 0)
            let r = try f.startRestarter(["JOB_SELECTOR": "app=sync", "RESTART_DELAY": "1", "CHECK_INTERVAL": "1"])
            try await eventually("remembered", log: r.logTail) { r.log.contains("watching a Job") }
            try await f.emulator.finishJob(name: "someone-else", outcome: ["result": "fail", "exitCode": 1])
            try await f.emulator.finishJob(name: "nightly-sync", outcome: ["result": "fail", "exitCode": 1])
            let syncUID = try #require(try await f.uid("nightly-sync"))
            let otherUID = try #require(try await f.uid("someone-else"))
            try await eventually("the selected Job restarted", timeout: 20, log: r.logTail) {
                guard let uid = try await f.uid("nightly-sync") else { return false }
                return uid != syncUID
            }
            #expect(try await f.uid("someone-else") == otherUID, "not selected: left alone")

            // Idle: several safety re-checks pass, and nothing but the watch talks to the API server.
            try await r.waitForMetric("tenant_restarter_checks_total", toGrowBy: 1)
            try await f.emulator.resetRequests()
            try await r.waitForMetric("tenant_restarter_checks_total", toGrowBy: 3)
            let requests = try await f.emulator.requests().log.filter { $0.verb != "watch" && $0.user != "admin" }
            #expect(requests.isEmpty, "\(requests.map { "\($0.method) \($0.path)" })")
        }
    }

    /// Two replicas with leader election: only the Lease holder restarts, once.
    @Test func twoReplicasRestartAFailedJobOnce() async throws {
        try await ProvisionerFixture.with { f in
            #expect(try await f.kubectl(["create"], input: Self.userJob).code == 0)
            let env = ["JOB_NAMES": "nightly-sync", "RESTART_DELAY": "1", "LEADER_ELECTION": "true", "LEASE_NAME": "restarter-test"]
            let replicas = [try f.startRestarter(env.merging(["POD_NAME": "restarter-1"]) { a, _ in a }),
                            try f.startRestarter(env.merging(["POD_NAME": "restarter-2"]) { a, _ in a })]
            let logs = { replicas.map(\.logTail).joined(separator: "\n---\n") }
            try await eventually("one replica leads and remembers the Job", log: logs()) {
                replicas.contains { $0.log.contains("watching a Job") }
            }
            let failedUID = try #require(try await f.uid("nightly-sync"))
            try await f.emulator.finishJob(name: "nightly-sync", outcome: ["result": "fail", "exitCode": 1])
            try await eventually("the Job restarted", timeout: 20, log: logs()) {
                guard let uid = try await f.uid("nightly-sync") else { return false }
                return uid != failedUID
            }
            let deletes = try await f.emulator.requests().log.filter { $0.method == "DELETE" && $0.path.hasSuffix("/jobs/nightly-sync") }
            #expect(deletes.count == 1, "one delete, not one per replica")
            #expect(replicas.filter { $0.log.contains("restart: Job created again") }.count == 1)
            let lease: Lease? = try await f.kubeClient().get(.leases, namespace: "default", name: "restarter-test")
            #expect(["restarter-1", "restarter-2"].contains(lease?.spec?.holderIdentity ?? ""))
        }
    }

    @Test(arguments: [
        ([String: String](), "JOB_NAMES"),
        (["JOB_NAMES": "a", "JOB_SELECTOR": "app=x"], "JOB_SELECTOR"),
        (["JOB_SELECTOR": "app=bad value"], "JOB_SELECTOR"),
        (["JOB_NAMES": "Not_A_Name"], "JOB_NAMES"),
        (["JOB_NAMES": "a", "DATABASE_URL": "postgresql://u:pw@db:notaport/x"], "DATABASE_URL"),
        (["JOB_NAMES": "a", "CHECK_INTERVAL": "0"], "CHECK_INTERVAL"),
        (["JOB_NAMES": "a", "RESTART_BACKOFF_FACTOR": "0.5"], "RESTART_BACKOFF_FACTOR"),
    ])
    func badConfigurationExits2NamingTheVariable(environment: [String: String], variable: String) async throws {
        try await ProvisionerFixture.with { f in
            var env = try f.restarterEnvironment(database: false, [:])
            env.merge(environment) { _, new in new }
            let result = try await ChildProcess.run(BuildProducts.path("restarter"), [], environment: env, timeout: 30)
            #expect(result.code == 2, "\(result.stderr)")
            #expect(result.stderr.contains(variable), "\(result.stderr)")
            #expect(!result.stderr.contains(":pw@"), "no password in the message")
        }
    }
}

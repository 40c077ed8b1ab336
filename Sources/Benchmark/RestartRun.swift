import Common
import Foundation
import Kube
import Postgres
import TestSupport

/// The restart rounds of issue 11, for `provisioner` and for the standalone `restarter`, at N
/// Jobs: API requests in an idle window, 100 simultaneous OOM kills with SKIP_DELAY_ON_OOM
/// (time until all are running again, healthy Jobs untouched), and a kill in the middle of
/// restarts whose Foreground deletions take 20 s (Jobs lost, failures recorded more than once).
struct RestartRun {
    enum Program: String, Sendable {
        case provisioner, restarter
    }

    let options: BenchmarkOptions
    let program: Program
    let jobs: Int

    static let namespace = "default"
    static let failures = 100
    static let interrupted = 20
    static let slowDeletion = 20.0

    struct Result: Sendable {
        var program: Program
        var jobs: Int
        var idleWindow: Double
        var idleRequests: [String: Int]
        var oomBack: Double?
        var oomBackCount: Int
        var healthyTouched: Int
        var interruptedLost: Int
        var interruptedBack: Double?
        var failuresRecordedTwice: Int
        var signal: String
    }

    var selector: String {
        program == .provisioner ? "app.kubernetes.io/managed-by=tenant-provisioner,tenant-provisioner/instance=default" : "app=bench-restart"
    }

    func name(_ i: Int) -> String { program == .provisioner ? "worker-bench-\(String(format: "%06d", i))" : "restart-\(String(format: "%06d", i))" }

    func run() async throws -> Result {
        progress("\(program.rawValue) restarts at \(jobs) Jobs: preparing")
        let database = try await TestDatabase.createMigrated()
        let connection = database.connect()
        defer { Task { await connection.close(); await database.drop() } }
        if program == .provisioner {
            try await connection.execute("""
                INSERT INTO accounts (account_id) SELECT 'bench-' || lpad(g::text, 6, '0') FROM generate_series(1, $1::bigint) AS g
                """, [.int(Int64(jobs))])
        }
        return try await KubeEmulator.with(arguments: ["--pod-start-delay", String(options.podStartDelay), "--foreground-delay", "0.2"]) { emulator in
            try await run(database: database, connection: connection, emulator: emulator)
        }
    }

    private func run(database: TestDatabase, connection: PostgresConnection, emulator: KubeEmulator) async throws -> Result {
        let client = KubeClient(config: try KubeconfigFile.load(path: emulator.kubeconfigPath), rateLimit: .init(qps: 100_000, burst: 100_000), logger: .disabled)
        let cache = JobCache(client: client, namespace: Self.namespace, labelSelector: selector, logger: .disabled)
        let watcher = Task { await cache.run() }
        defer { watcher.cancel() }
        guard await cache.waitForSync(timeout: 30) else { throw SizeRun.Stalled(description: "the bench's Job watch did not sync") }
        if program == .restarter {
            progress("restarter: creating \(jobs) Jobs as another client would")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 1...jobs {
                    group.addTask { let _: KubeClient.MetadataOnly = try await client.create(.jobs, namespace: Self.namespace, body: self.userJob(i)) }
                    if i % 50 == 0 { try await group.waitForAll() }
                }
                try await group.waitForAll()
            }
        }

        var process = try start(database: database, emulator: emulator, identity: "bench-1")
        do {
            // Every Job there (and, for the restarter, remembered) before anything is measured.
            try await waitUntil("\(jobs) Jobs running", limit: 120 + Double(jobs) / 20, process: process) {
                cache.snapshot().values.filter { $0.active > 0 }.count >= jobs
            }
            if program == .restarter {
                try await waitUntil("\(jobs) Jobs remembered", limit: 120 + Double(jobs) / 10, process: process) {
                    await process.metrics()?.value("tenant_restarter_watched_jobs") ?? 0 >= Double(jobs)
                }
            }
            try await Task.sleep(for: .seconds(3))

            // 1. Idle: what the program asks of the API server in a quiet window, watches aside.
            progress("\(program.rawValue): counting requests in a \(Int(options.restartIdleWindow)) s idle window")
            try await emulator.resetRequests()
            try await Task.sleep(for: .seconds(options.restartIdleWindow))
            let idleRequests = try await emulator.requests().counts.filter { !$0.key.hasPrefix("watch ") && $0.value > 0 }

            // 2. 100 OOM kills at once.
            progress("\(program.rawValue): \(Self.failures) simultaneous OOM kills")
            let before = cache.snapshot().mapValues(\.uid)
            let victims = (1...Self.failures).map { name($0 * (jobs / Self.failures)) }
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for victim in victims {
                    group.addTask { try await emulator.finishJob(name: victim, outcome: ["result": "fail", "exitCode": 137, "reason": "OOMKilled"]) }
                }
                try await group.waitForAll()
            }
            var oomBack: Double?
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                let now = cache.snapshot()
                if victims.allSatisfy({ v in now[v].map { $0.uid != before[v] && $0.active > 0 && !$0.isTerminating } ?? false }) {
                    oomBack = seconds(since: started)
                    break
                }
                try process.checkRunning()
                try await Task.sleep(for: .milliseconds(20))
            }
            let after = cache.snapshot()
            let back = victims.filter { v in after[v].map { $0.uid != before[v] && $0.active > 0 } ?? false }.count
            let healthyTouched = before.filter { !victims.contains($0.key) && after[$0.key]?.uid != $0.value }.count
            progress("\(program.rawValue): \(back) of \(Self.failures) back in \(oomBack.map { format($0, digits: 1) } ?? "—") s, \(healthyTouched) healthy Jobs touched")

            // 3. Restarts interrupted by SIGKILL while their Foreground deletions take 20 s.
            progress("\(program.rawValue): \(Self.interrupted) restarts interrupted by SIGKILL during \(Int(Self.slowDeletion)) s Foreground deletions")
            try await emulator.configure(foregroundDelay: Self.slowDeletion)
            let interrupted = (1...Self.interrupted).map { name($0 * (jobs / Self.interrupted) - 1) }
            let uidsBefore = cache.snapshot().mapValues(\.uid)
            for victim in interrupted {
                try await emulator.finishJob(name: victim, outcome: ["result": "fail", "exitCode": 137, "reason": "OOMKilled"])
            }
            try await waitUntil("the failed Jobs in their Foreground deletion", limit: 60, process: process) {
                let now = cache.snapshot()
                return interrupted.allSatisfy { now[$0]?.isTerminating == true }
            }
            process.process.signal(SIGKILL)
            _ = await process.process.wait(timeout: 10)
            let killed = ContinuousClock.now
            process = try start(database: database, emulator: emulator, identity: "bench-2")
            var interruptedBack: Double?
            let limit = ContinuousClock.now + .seconds(Self.slowDeletion + 60)
            while ContinuousClock.now < limit {
                let now = cache.snapshot()
                if interrupted.allSatisfy({ v in now[v].map { $0.uid != uidsBefore[v] && !$0.isTerminating } ?? false }) {
                    interruptedBack = seconds(since: killed)
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let final = cache.snapshot()
            let lost = interrupted.filter { v in final[v].map { $0.uid == uidsBefore[v] || $0.isTerminating } ?? true }.count
            let twice = try await connection.query("""
                SELECT count(*) FROM (SELECT job_uid FROM audit_log WHERE action = 'failure' GROUP BY job_uid HAVING count(*) > 1) AS t
                """).first?.decode(0, as: Int.self) ?? 0
            _ = await process.stop()
            progress("\(program.rawValue): done")
            return Result(program: program, jobs: jobs, idleWindow: options.restartIdleWindow, idleRequests: idleRequests, oomBack: oomBack,
                          oomBackCount: back, healthyTouched: healthyTouched, interruptedLost: lost, interruptedBack: interruptedBack,
                          failuresRecordedTwice: twice, signal: "SIGKILL")
        } catch {
            _ = await process.stop()
            throw error
        }
    }

    private func start(database: TestDatabase, emulator: KubeEmulator, identity: String) throws -> ProvisionerProcess {
        var environment: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp",
            "DATABASE_URL": database.url,
            "KUBECONFIG": emulator.kubeconfigPath,
            "NAMESPACE": Self.namespace,
            "LEADER_ELECTION": "false",
            "POD_NAME": identity,
            "KUBE_QPS": String(options.kubeQPS),
            "KUBE_BURST": String(options.kubeBurst),
            "SKIP_DELAY_ON_OOM": "true",
            "LOG_LEVEL": "info",
        ]
        environment.merge(options.provisionerEnvironment) { _, extra in extra }
        switch program {
        case .provisioner:
            environment["JOB_TEMPLATE"] = options.jobTemplatePath
            environment["POLL_INTERVAL"] = String(options.pollInterval)
            return try ProvisionerProcess(path: options.provisionerPath, environment: environment, healthPort: try FreePort.pick())
        case .restarter:
            environment["JOB_SELECTOR"] = selector
            environment["CHECK_INTERVAL"] = "60"
            return try ProvisionerProcess(path: options.restarterPath, environment: environment, healthPort: try FreePort.pick())
        }
    }

    private func waitUntil(_ what: String, limit: Double, process: ProvisionerProcess, _ condition: () async throws -> Bool) async throws {
        let started = ContinuousClock.now
        while try await !condition() {
            try process.checkRunning()
            if seconds(since: started) > limit { throw SizeRun.Stalled(description: "\(program.rawValue): not \(what) after \(Int(limit)) s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A Job as another tool makes it: two containers, labels the restarter selects by.
    private func userJob(_ i: Int) -> JSONValue {
        [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": .string(name(i)), "labels": ["app": "bench-restart"]],
            "spec": [
                "backoffLimit": 0,
                "template": [
                    "metadata": ["labels": ["app": "bench-restart"]],
                    "spec": ["restartPolicy": "Never", "containers": [
                        ["name": "worker", "image": "busybox:1.36", "command": ["sleep", "3600"]],
                        ["name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "3600"]],
                    ]],
                ],
            ],
        ]
    }
}

/// The restart rounds' table.
enum RestartTable {
    static func markdown(_ results: [RestartRun.Result], options: BenchmarkOptions) -> String {
        guard !results.isEmpty else { return "" }
        var out = "\nrestarts (issue 11), KUBE_QPS=\(format(options.kubeQPS, digits: 0)) KUBE_BURST=\(options.kubeBurst), SKIP_DELAY_ON_OOM=true\n\n"
        out += "| figure | " + results.map { "\($0.program.rawValue), \($0.jobs) Jobs" }.joined(separator: " | ") + " | target | met |\n"
        out += "|---|" + results.map { _ in "---|" }.joined() + "---|---|\n"
        func row(_ label: String, _ values: [String], _ target: String, _ met: Bool) {
            out += "| \(label) | " + values.joined(separator: " | ") + " | \(target) | \(met ? "yes" : "**no**") |\n"
        }
        row("API requests in a \(Int(options.restartIdleWindow)) s idle window (watches excluded)",
            results.map { $0.idleRequests.isEmpty ? "0" : $0.idleRequests.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ") },
            "0", results.allSatisfy { $0.idleRequests.isEmpty })
        row("\(RestartRun.failures) simultaneous OOM kills: all running again after",
            results.map { r in r.oomBack.map { "\(format($0, digits: 1)) s" } ?? "\(r.oomBackCount)/\(RestartRun.failures) after 120 s" },
            "< 10 s", results.allSatisfy { ($0.oomBack ?? .infinity) < 10 })
        row("  healthy Jobs touched meanwhile", results.map { String($0.healthyTouched) }, "0", results.allSatisfy { $0.healthyTouched == 0 })
        row("\(RestartRun.interrupted) restarts cut by SIGKILL during \(Int(RestartRun.slowDeletion)) s Foreground deletions: Jobs lost",
            results.map { r in "\(r.interruptedLost) (all back \(r.interruptedBack.map { format($0, digits: 1) + " s" } ?? "—") after the kill)" },
            "0", results.allSatisfy { $0.interruptedLost == 0 })
        row("  failures recorded more than once", results.map { String($0.failuresRecordedTwice) }, "0", results.allSatisfy { $0.failuresRecordedTwice == 0 })
        return out
    }
}

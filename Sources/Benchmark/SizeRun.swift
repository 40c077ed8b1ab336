import Common
import Foundation
import Kube
import Postgres
import TestSupport

/// One benchmark round for one number of accounts, from nothing: a fresh database and a fresh
/// emulator, N accounts inserted before the provisioner starts, then convergence, idle passes,
/// NOTIFY latency and memory, in that order.
struct SizeRun {
    let options: BenchmarkOptions
    let accounts: Int
    /// The provisioner's `KUBE_QPS` / `KUBE_BURST` for this round.
    let kubeQPS: Double
    let kubeBurst: Int
    /// Only the time to converge: for the check that the default rate limit is what bounds it.
    let convergenceOnly: Bool

    init(options: BenchmarkOptions, accounts: Int, kubeQPS: Double? = nil, kubeBurst: Int? = nil, convergenceOnly: Bool = false) {
        self.options = options
        self.accounts = accounts
        self.kubeQPS = kubeQPS ?? options.kubeQPS
        self.kubeBurst = kubeBurst ?? options.kubeBurst
        self.convergenceOnly = convergenceOnly
    }

    static let namespace = "default"
    static let managedSelector = "app.kubernetes.io/managed-by=tenant-provisioner,tenant-provisioner/instance=default"
    static let fullPassesSeries = ("tenant_provisioner_passes_total", [("kind", "full"), ("result", "success")])

    struct Stalled: Error, CustomStringConvertible {
        let description: String
    }

    func run() async throws -> SizeResult {
        progress("\(accounts) accounts: creating a database and inserting the accounts")
        let database = try await TestDatabase.createMigrated()
        do {
            let result = try await run(database: database)
            await database.drop()
            return result
        } catch {
            await database.drop()
            throw error
        }
    }

    private func run(database: TestDatabase) async throws -> SizeResult {
        let connection = database.connect()
        do {
            let result = try await run(database: database, connection: connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    private func run(database: TestDatabase, connection: PostgresConnection) async throws -> SizeResult {
        // One statement, so the provisioner finds every account already there on its first pass.
        try await connection.execute("""
            INSERT INTO accounts (account_id, display_name)
            SELECT 'bench-' || lpad(g::text, 6, '0'), 'Bench account ' || g FROM generate_series(1, $1::bigint) AS g
            """, [.int(Int64(accounts))])

        var emulatorArguments = ["--pod-start-delay", String(options.podStartDelay)]
        if !options.schemaValidation { emulatorArguments.append("--no-schema-validation") }
        return try await KubeEmulator.with(arguments: emulatorArguments) { emulator in
            try await run(database: database, connection: connection, emulator: emulator)
        }
    }

    private func run(database: TestDatabase, connection: PostgresConnection, emulator: KubeEmulator) async throws -> SizeResult {
        // The benchmark's own view of the Jobs: a watch like any other API client's, never rate limited.
        let client = KubeClient(config: try KubeconfigFile.load(path: emulator.kubeconfigPath),
                                rateLimit: .init(qps: 100_000, burst: 100_000), logger: .disabled)
        let cache = JobCache(client: client, namespace: Self.namespace, labelSelector: Self.managedSelector, logger: .disabled)
        let arrivals = JobArrivals(cache: cache)
        let watcher = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await cache.run() }
                group.addTask { await arrivals.run() }
            }
        }
        defer { watcher.cancel() }
        guard await cache.waitForSync(timeout: 30) else { throw Stalled(description: "the benchmark's own Job watch did not sync with the emulator in 30 s") }
        let emulatorPID = Self.emulatorPID(stateDirectory: emulator.stateDirectory)
        progress("\(accounts) accounts: emulator pid \(emulatorPID.map(String.init) ?? "unknown")")

        var environment: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp",
            "DATABASE_URL": database.url,
            "KUBECONFIG": emulator.kubeconfigPath,
            "NAMESPACE": Self.namespace,
            "JOB_TEMPLATE": options.jobTemplatePath,
            "POLL_INTERVAL": String(options.pollInterval),
            "LEADER_ELECTION": "false",
            "POD_NAME": "bench",
            "KUBE_QPS": String(kubeQPS),
            "KUBE_BURST": String(kubeBurst),
            "LOG_LEVEL": "info",
        ]
        environment.merge(options.provisionerEnvironment) { _, extra in extra }
        progress("\(accounts) accounts: starting the provisioner (KUBE_QPS=\(format(kubeQPS, digits: 0)) KUBE_BURST=\(kubeBurst)) and waiting for every Job")
        let provisioner = try ProvisionerProcess(path: options.provisionerPath, environment: environment, healthPort: try FreePort.pick())
        progress("\(accounts) accounts: provisioner pid \(provisioner.pid)")
        do {
            return try await measure(provisioner: provisioner, cache: cache, arrivals: arrivals, connection: connection,
                                     emulator: emulator, emulatorPID: emulatorPID)
        } catch {
            _ = await provisioner.stop()
            throw error
        }
    }

    private func measure(provisioner: ProvisionerProcess, cache: JobCache, arrivals: JobArrivals, connection: PostgresConnection,
                         emulator: KubeEmulator, emulatorPID: Int32?) async throws -> SizeResult {
        let started = ContinuousClock.now
        let emulatorCPUAtStart = emulatorPID.flatMap(ProcessCPU.seconds)

        // 1. Convergence from zero: every Job visible through the watch.
        let convergenceLimit = 120 + Double(accounts) / 20
        while cache.count < accounts {
            try provisioner.checkRunning()
            if seconds(since: started) > convergenceLimit {
                throw Stalled(description: "only \(cache.count) of \(accounts) Jobs exist after \(Int(convergenceLimit)) s; provisioner log:\n\(provisioner.process.standardError.suffix(3000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let convergence = seconds(since: started)
        let firstJob = arrivals.first.map { ($0 - started).seconds }
        let provisionerCPU = ProcessCPU.seconds(pid: provisioner.pid)
        var emulatorCPU: Double? = nil
        if let now = emulatorPID.flatMap(ProcessCPU.seconds), let before = emulatorCPUAtStart { emulatorCPU = now - before }
        progress("\(accounts) accounts: converged in \(format(convergence, digits: 1)) s")
        if convergenceOnly {
            let exitCode = await provisioner.stop()
            return SizeResult(accounts: accounts, kubeQPS: kubeQPS, kubeBurst: kubeBurst, convergence: convergence, firstJob: firstJob,
                              provisionerCPU: provisionerCPU, emulatorCPU: emulatorCPU, idlePassDurations: [], passReads: nil, idleRequests: [:],
                              busyPassesInIdleWindow: 0, notifyLatencies: [], notifySamples: 0, memoryWhenIdle: nil, heapWhenIdle: nil, memory: nil, exitCode: exitCode)
        }

        // 2. Idle passes: let the passes that record the new Jobs' phases go by, then count.
        progress("\(accounts) accounts: letting it settle for two full passes")
        try await waitForFullPasses(2, provisioner: provisioner)
        let logOffset = provisioner.logSize
        try await emulator.resetRequests()
        progress("\(accounts) accounts: measuring \(options.idlePasses) idle passes")
        let durations = try await idlePassDurations(provisioner: provisioner)
        let served = try await emulator.requests()
        let idleRequests = served.counts.filter { !$0.key.hasPrefix("watch ") && $0.value > 0 }
        let busyPasses = provisioner.log(since: logOffset).split(separator: "\n")
            .filter { $0.contains("pass done") && $0.contains("pass.kind=full") }.count
        let passReads = try await timePassReads(connection)
        let memoryWhenIdle = ProcessMemory.read(pid: provisioner.pid)
        let heapWhenIdle = await provisioner.metrics().map { Int($0.value("tenant_provisioner_heap_in_use_bytes")) }

        // 3. NOTIFY: one new account at a time, insert → Job seen through the watch.
        progress("\(accounts) accounts: inserting \(options.notifySamples) accounts one at a time")
        var inserted: [(String, ContinuousClock.Instant)] = []
        for i in 1...options.notifySamples {
            let accountID = "notify-\(accounts)-\(i)"
            let at = ContinuousClock.now
            try await connection.execute("INSERT INTO accounts (account_id, display_name) VALUES ($1, $2)", [.text(accountID), .text("NOTIFY sample \(i)")])
            inserted.append((accountID, at))
            try await Task.sleep(for: .seconds(options.notifySpacing))
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, inserted.contains(where: { arrivals.arrival(of: $0.0) == nil }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let latencies = inserted.compactMap { id, at in arrivals.arrival(of: id).map { ($0 - at).seconds } }

        // 4. Memory, then a clean stop.
        let memory = ProcessMemory.read(pid: provisioner.pid)
        let exitCode = await provisioner.stop()
        progress("\(accounts) accounts: done")
        return SizeResult(accounts: accounts, kubeQPS: kubeQPS, kubeBurst: kubeBurst, convergence: convergence, firstJob: firstJob, provisionerCPU: provisionerCPU,
                          emulatorCPU: emulatorCPU, idlePassDurations: durations, passReads: passReads, idleRequests: idleRequests,
                          busyPassesInIdleWindow: busyPasses, notifyLatencies: latencies, notifySamples: options.notifySamples,
                          memoryWhenIdle: memoryWhenIdle, heapWhenIdle: heapWhenIdle, memory: memory, exitCode: exitCode)
    }

    /// The two queries of every full pass (ProvisionerStore's), best of five, to show how much of
    /// an idle pass is the database and libpq rather than planning.
    private func timePassReads(_ connection: PostgresConnection) async throws -> PassReads {
        func best(_ sql: String) async throws -> Double {
            var fastest = Double.infinity
            for _ in 0..<5 {
                let started = ContinuousClock.now
                _ = try await connection.query(sql)
                fastest = min(fastest, seconds(since: started))
            }
            return fastest
        }
        return PassReads(
            generations: try await best("SELECT account_id, generation FROM accounts"),
            statuses: try await best("""
                SELECT account_id, job_name, job_uid, phase, observed_generation, last_success_at, last_failure_at,
                       consecutive_failures, next_restart_at, memory_override, message FROM account_status
                """))
    }

    private func fullPasses(_ provisioner: ProvisionerProcess) async -> Double? {
        await provisioner.metrics()?.value(Self.fullPassesSeries.0, Self.fullPassesSeries.1)
    }

    /// Waits until `count` more full passes have succeeded.
    private func waitForFullPasses(_ count: Int, provisioner: ProvisionerProcess) async throws {
        let limit = options.pollInterval * Double(count) * 4 + 120
        let started = ContinuousClock.now
        var start: Double? = nil
        while true {
            try provisioner.checkRunning()
            if let passes = await fullPasses(provisioner) {
                if start == nil { start = passes }
                if passes >= start! + Double(count) { return }
            }
            if seconds(since: started) > limit { throw Stalled(description: "the provisioner did not finish \(count) full passes in \(Int(limit)) s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The pass-duration gauge right after each of `options.idlePasses` full passes.
    private func idlePassDurations(provisioner: ProvisionerProcess) async throws -> [Double] {
        let limit = options.pollInterval * Double(options.idlePasses) * 4 + 60
        let started = ContinuousClock.now
        var last: Double? = nil
        var durations: [Double] = []
        while durations.count < options.idlePasses {
            try provisioner.checkRunning()
            if let metrics = await provisioner.metrics() {
                let passes = metrics.value(Self.fullPassesSeries.0, Self.fullPassesSeries.1)
                if let previous = last, passes > previous {
                    durations.append(metrics.value("tenant_provisioner_pass_duration_seconds"))
                }
                last = passes
            }
            if seconds(since: started) > limit { throw Stalled(description: "the provisioner did not finish \(options.idlePasses) idle passes in \(Int(limit)) s") }
            // Often enough not to miss a pass (every POLL_INTERVAL), rarely enough that rendering
            // /metrics does not compete with the pass it measures on 2 cores.
            try await Task.sleep(for: .milliseconds(250))
        }
        return durations
    }

    /// The emulator's own pid, which `ready.json` records.
    private static func emulatorPID(stateDirectory: String) -> Int32? {
        guard let data = FileManager.default.contents(atPath: stateDirectory + "/ready.json"),
              case .object(let ready)? = try? JSONValue.parse(data), case .integer(let pid)? = ready["pid"] else { return nil }
        return Int32(pid)
    }
}

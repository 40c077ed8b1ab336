import Common
import Foundation
import Kube
import Postgres
import Synchronization
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What one provisioner test runs against: its own migrated database, its own Kubernetes API
/// emulator, a Job template in a temp directory, and the `provisioner` processes it started
/// (all stopped when the test ends, whatever happened).
final class ProvisionerFixture: Sendable {
    let database: TestDatabase
    let emulator: KubeEmulator
    /// A connection for the test's own SQL (inserting accounts, reading status and audit rows).
    let db: PostgresConnection
    let directory: String
    let templatePath: String
    /// Kubeconfigs of the provisioner's and the restarter's service accounts: each authenticates
    /// with a token that has exactly the Role deploy/ gives that executable (see `ServiceAccounts`).
    let provisionerKubeconfig: String
    let restarterKubeconfig: String
    private let processes = Mutex<[ChildProcess]>([])

    /// The template every test uses unless it writes its own: an init container and two
    /// containers, one of which already has an environment variable.
    static let template = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: worker
          labels:
            app.kubernetes.io/name: tenant-worker
        spec:
          backoffLimit: 0
          template:
            metadata:
              labels:
                app.kubernetes.io/name: tenant-worker
            spec:
              restartPolicy: Never
              initContainers:
                - name: prepare
                  image: busybox:1.36
                  command: ["sh", "-c", "echo preparing {{ account_id }}"]
              containers:
                - name: worker
                  image: busybox:1.36
                  command: ["sh", "-c", "echo syncing {{ display_name }}; sleep 3600"]
                  env:
                    - name: FIXED
                      value: "1"
                - name: sidecar
                  image: busybox:1.36
                  command: ["sleep", "3600"]

        """

    private init(database: TestDatabase, emulator: KubeEmulator, directory: String, template: String,
                 accounts: ServiceAccounts) throws {
        self.database = database
        self.emulator = emulator
        self.db = database.connect()
        self.directory = directory
        self.provisionerKubeconfig = accounts.provisioner
        self.restarterKubeconfig = accounts.restarter
        self.templatePath = directory + "/job-template.yaml"
        try template.write(toFile: templatePath, atomically: true, encoding: .utf8)
    }

    /// Runs `body` with a fresh database (on `server` when given, else the shared test
    /// server) and a fresh emulator; stops every process and drops the database afterwards.
    /// `migrated: false` leaves the database empty (no schema at all).
    static func with<T: Sendable>(emulatorArguments: [String] = ["--foreground-delay", "0.1"], server: TestPostgresServer? = nil,
                                  migrated: Bool = true, template: String = ProvisionerFixture.template, install: String = DeployManifests.install,
                                  _ body: (ProvisionerFixture) async throws -> T) async throws -> T {
        let database = switch (server, migrated) {
        case (let server?, true): try await TestDatabase.createMigrated(onServer: try PostgresConfig(connectionString: server.url))
        case (let server?, false): try await TestDatabase.create(onServer: try PostgresConfig(connectionString: server.url))
        case (nil, true): try await TestDatabase.createMigrated()
        case (nil, false): try await TestDatabase.create()
        }
        let emulator: KubeEmulator
        do {
            emulator = try await KubeEmulator.start(arguments: emulatorArguments)
        } catch {
            await database.drop()
            throw error
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("provisioner-test-\(UUID().uuidString)").path
        let fixture: ProvisionerFixture
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let accounts = try await ServiceAccounts.register(on: emulator, install: install)
            fixture = try ProvisionerFixture(database: database, emulator: emulator, directory: directory, template: template,
                                             accounts: accounts)
        } catch {
            await emulator.stop()
            await database.drop()
            throw error
        }
        do {
            let value = try await body(fixture)
            await fixture.tearDown()
            return value
        } catch {
            await fixture.tearDown()
            throw error
        }
    }

    private func tearDown() async {
        for process in processes.withLock({ $0 }) {
            if process.isRunning { process.signal(SIGKILL) }
            await process.wait(timeout: 5)
        }
        await db.close()
        await emulator.stop()
        await database.drop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: running the provisioner

    /// The environment of a provisioner process: this fixture's database, emulator (as the
    /// provisioner's service account) and template, a free health port, a 1 s poll, no leader
    /// election; `overrides` win (an empty value unsets).
    func environment(_ overrides: [String: String] = [:]) throws -> [String: String] {
        var env: [String: String] = [
            "DATABASE_URL": database.url,
            "KUBECONFIG": provisionerKubeconfig,
            "JOB_TEMPLATE": templatePath,
            // Port 0: the process binds a free port itself and logs it (a port picked here could
            // be taken by another process before the child binds it).
            "HEALTH_PORT": "0",
            "POD_NAME": "provisioner-test",
            "POLL_INTERVAL": "1",
            "LEADER_ELECTION": "false",
            "LOG_LEVEL": "debug",
        ]
        for (key, value) in overrides { env[key] = value.isEmpty ? nil : value }
        return env
    }

    /// Starts `provisioner` with `arguments` and the environment above.
    @discardableResult
    func start(_ arguments: [String] = [], _ overrides: [String: String] = [:]) throws -> RunningProvisioner {
        let env = try environment(overrides)
        let process = try ChildProcess(BuildProducts.path("provisioner"), arguments, environment: env)
        processes.withLock { $0.append(process) }
        return RunningProvisioner(process: process, fixedHealthPort: Int(env["HEALTH_PORT"]!).flatMap { $0 == 0 ? nil : $0 })
    }

    /// The environment of a `restarter` process: this fixture's emulator (as the restarter's
    /// service account; and, with `database`, its database), a free health port, no leader
    /// election; `overrides` win (empty unsets).
    func restarterEnvironment(database: Bool, _ overrides: [String: String]) throws -> [String: String] {
        var env: [String: String] = [
            "KUBECONFIG": restarterKubeconfig,
            "HEALTH_PORT": "0",
            "POD_NAME": "restarter-test",
            "LEADER_ELECTION": "false",
            "LOG_LEVEL": "debug",
            "CHECK_INTERVAL": "1",
        ]
        if database { env["DATABASE_URL"] = self.database.url }
        for (key, value) in overrides { env[key] = value.isEmpty ? nil : value }
        return env
    }

    /// Starts `restarter` with the environment above.
    func startRestarter(database: Bool = false, _ overrides: [String: String]) throws -> RunningProvisioner {
        let env = try restarterEnvironment(database: database, overrides)
        let process = try ChildProcess(BuildProducts.path("restarter"), [], environment: env)
        processes.withLock { $0.append(process) }
        return RunningProvisioner(process: process, fixedHealthPort: Int(env["HEALTH_PORT"]!).flatMap { $0 == 0 ? nil : $0 })
    }

    /// `kubectl` on the emulator's admin kubeconfig, with `input` on stdin when given.
    func kubectl(_ arguments: [String], input: String? = nil) async throws -> (code: Int32, stdout: String, stderr: String) {
        var args = ["--kubeconfig", emulator.kubeconfigPath] + arguments
        if let input {
            let file = directory + "/kubectl-input-\(UUID().uuidString).yaml"
            try input.write(toFile: file, atomically: true, encoding: .utf8)
            args += ["-f", file]
        }
        return try await ChildProcess.run("/usr/bin/env", ["kubectl"] + args, timeout: 60)
    }

    /// Runs `provisioner` to completion (for `plan` and configuration errors).
    func run(_ arguments: [String] = [], _ overrides: [String: String] = [:], timeout: Double = 30) async throws -> (code: Int32, stdout: String, stderr: String) {
        try await ChildProcess.run(BuildProducts.path("provisioner"), arguments, environment: try environment(overrides), timeout: timeout)
    }

    // MARK: the database

    func execute(_ sql: String, _ parameters: [PostgresValue?] = []) async throws {
        _ = try await db.execute(sql, parameters)
    }

    func query(_ sql: String, _ parameters: [PostgresValue?] = []) async throws -> [PostgresRow] {
        try await db.query(sql, parameters)
    }

    func insertAccount(_ id: String, displayName: String? = nil, config: String = "{}", active: Bool = true) async throws {
        try await execute("INSERT INTO accounts (account_id, display_name, config, is_active) VALUES ($1, $2, $3::jsonb, $4)",
                          [.text(id), displayName.map { .text($0) }, .text(config), .bool(active)])
    }

    /// `(phase, message)` of an account's status row, nil when there is none.
    func status(_ accountID: String) async throws -> (phase: String, message: String?, jobName: String?, jobUID: String?)? {
        guard let row = try await query("SELECT phase, message, job_name, job_uid FROM account_status WHERE account_id = $1", [.text(accountID)]).first else {
            return nil
        }
        return (try row.decode(0), try row.decode(1), try row.decode(2), try row.decode(3))
    }

    struct AuditRow: Sendable {
        var actor: String
        var action: String
        var accountID: String?
        var jobName: String?
        var jobUID: String?
        var reason: String?
    }

    func audit(action: String? = nil) async throws -> [AuditRow] {
        let rows = try await query("""
            SELECT actor, action, account_id, job_name, job_uid, reason FROM audit_log
            WHERE $1::text IS NULL OR action = $1 ORDER BY id
            """, [action.map { .text($0) }])
        return try rows.map { row in
            AuditRow(actor: try row.decode(0), action: try row.decode(1), accountID: try row.decode(2), jobName: try row.decode(3),
                     jobUID: try row.decode(4), reason: try row.decode(5))
        }
    }

    /// One `job_failures` row.
    struct FailureRow: Sendable {
        var jobUID: String
        var pod: String?
        var container: String?
        var exitCode: Int?
        var reason: String?
        var message: String?
        var logTail: String?
        var failedAt: Date
        var restartAt: Date?
        var restartedAt: Date?
        var attempt: Int
    }

    /// The account's `job_failures` rows, oldest first.
    func failures(_ accountID: String) async throws -> [FailureRow] {
        let rows = try await query("""
            SELECT job_uid, pod_name, container_name, exit_code, reason, message, log_tail, failed_at, restart_at, restarted_at, attempt
            FROM job_failures WHERE account_id = $1 ORDER BY id
            """, [.text(accountID)])
        return try rows.map { row in
            FailureRow(jobUID: try row.decode(0), pod: try row.decode(1), container: try row.decode(2), exitCode: try row.decode(3),
                       reason: try row.decode(4), message: try row.decode(5), logTail: try row.decode(6), failedAt: try row.decode(7),
                       restartAt: try row.decode(8), restartedAt: try row.decode(9), attempt: try row.decode(10))
        }
    }

    /// `(consecutive_failures, next_restart_at, memory_override)` of an account's status row.
    func restartState(_ accountID: String) async throws -> (failures: Int, nextRestartAt: Date?, memoryOverride: String?)? {
        guard let row = try await query("SELECT consecutive_failures, next_restart_at, memory_override FROM account_status WHERE account_id = $1",
                                        [.text(accountID)]).first else { return nil }
        return (try row.decode(0), try row.decode(1), try row.decode(2))
    }

    // MARK: the cluster

    /// The uid of Job `name`, nil when there is none.
    func uid(_ name: String) async throws -> String? {
        try await job(name)?["metadata"]?["uid"]?.stringValue
    }

    /// Every pods/log request answers 500 from now on.
    func injectLogFaults() async throws {
        // The fault matches by path prefix; pod names are random, so match every pod request of
        // the namespace and let the list through: only GETs of .../log are answered with 500.
        try await emulator.injectFault(pathPrefix: "/api/v1/namespaces/default/pods/", method: "GET", count: 1000, status: 500)
    }

    /// Events about Job `name` (any reason, or `reason`).
    func events(about name: String, reason: String? = nil) async throws -> [JSONValue] {
        let items = try await emulator.objects(kind: "events")["items"]?.arrayValue ?? []
        return items.filter { event in
            event["involvedObject"]?["name"]?.stringValue == name && (reason == nil || event["reason"]?.stringValue == reason)
        }
    }

    /// Every Job the emulator holds (terminating ones included).
    func jobs() async throws -> [JSONValue] {
        try await emulator.objects(kind: "jobs")["items"]?.arrayValue ?? []
    }

    func job(_ name: String) async throws -> JSONValue? {
        try await jobs().first { $0["metadata"]?["name"]?.stringValue == name }
    }

    /// Names of the Jobs that exist and are not being deleted.
    func liveJobNames() async throws -> Set<String> {
        Set(try await jobs().filter { $0["metadata"]?["deletionTimestamp"] == nil }.compactMap { $0["metadata"]?["name"]?.stringValue })
    }

    func jobNames() async throws -> Set<String> {
        Set(try await jobs().compactMap { $0["metadata"]?["name"]?.stringValue })
    }

    /// A Kubernetes client on the emulator's admin kubeconfig, for objects a test makes itself.
    func kubeClient() throws -> KubeClient {
        _ = ProvisionerFixture.curlReady
        return KubeClient(config: try KubeconfigFile.load(path: emulator.kubeconfigPath), rateLimit: .init(qps: 1000, burst: 1000),
                          logger: Logger(label: "test", sink: .memory()))
    }

    static let curlReady: Void = KubeTransport.globalInit()

    /// Requests to jobs the emulator saw, the watch left out (it is one long request).
    func jobRequestsExceptWatch() async throws -> [KubeEmulator.LoggedRequest] {
        try await emulator.requests().log.filter { $0.resource == "jobs" && $0.verb != "watch" }
    }
}

/// One `provisioner` process started by a test, and its health endpoints.
struct RunningProvisioner: Sendable {
    let process: ChildProcess
    /// The HEALTH_PORT given, when not 0.
    let fixedHealthPort: Int?

    /// The port of the health endpoints: the one given, else the one the process logged it
    /// bound (`health.port=…`); nil until then.
    var healthPort: Int? {
        if let fixedHealthPort { return fixedHealthPort }
        guard let range = process.standardError.range(of: "health.port=") else { return nil }
        return Int(process.standardError[range.upperBound...].prefix { $0.isNumber })
    }

    /// `GET http://127.0.0.1:<HEALTH_PORT><path>`; nil while nothing answers.
    func get(_ path: String) async -> (status: Int, body: String)? {
        guard let healthPort else { return nil }
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(healthPort)\(path)")!)
        request.timeoutInterval = 5
        guard let (data, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// The value of one `/metrics` series (`name{labels}` exactly as rendered), nil when absent.
    func metric(_ series: String) async -> Double? {
        guard let (status, body) = await get("/metrics"), status == 200 else { return nil }
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == series { return Double(parts[1]) }
        }
        return nil
    }

    static let fullPassesSeries = #"tenant_provisioner_passes_total{kind="full",result="success"}"#

    /// How many full passes succeeded so far (0 before the first, or while /metrics is down).
    func fullPasses() async -> Double { await metric(Self.fullPassesSeries) ?? 0 }

    /// Waits until `count` more full passes succeeded: "nothing happened" is then a fact about
    /// passes that ran, not about a sleep that was long enough.
    func waitForFullPasses(_ count: Int, timeout: Double = 30) async throws {
        try await waitForMetric(Self.fullPassesSeries, toGrowBy: count, timeout: timeout)
    }

    /// Waits until the counter `series` grew by `count` from now.
    func waitForMetric(_ series: String, toGrowBy count: Int, timeout: Double = 30) async throws {
        let before = await metric(series) ?? 0
        try await eventually("\(series) to grow by \(count)", timeout: timeout, log: logTail) {
            await metric(series) ?? 0 >= before + Double(count)
        }
    }

    /// The end of the process's log, for failure messages.
    var logTail: String { String(process.standardError.suffix(4000)) }

    /// The whole log so far.
    var log: String { process.standardError }
}


extension Sequence where Element: Sendable {
    /// The sum of an async value over the elements, one after another.
    func asyncSum(_ value: (Element) async -> Double) async -> Double {
        var total = 0.0
        for element in self { total += await value(element) }
        return total
    }
}

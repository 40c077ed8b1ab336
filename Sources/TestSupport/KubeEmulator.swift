import Common
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The test-only Kubernetes API emulator (`tools/kube-emulator/emulator.py`) running as a child
/// process with its own state directory, plus a client for its plain-HTTP control API.
///
/// ```swift
/// try await KubeEmulator.with { emulator in
///     let config = try KubeconfigFile.load(path: emulator.kubeconfigPath)
///     try await emulator.injectFault(pathPrefix: "/apis/batch/v1", status: 500, count: 2)
///     …
/// }
/// ```
/// Prefer `with` (always stops the process); otherwise call `stop()` yourself.
public final class KubeEmulator: Sendable {
    /// Temp directory holding kubeconfigs, CA, token and `ready.json`.
    public let stateDirectory: String
    /// `https://127.0.0.1:<port>`.
    public let server: String
    public let port: Int
    public let controlPort: Int
    /// The admin bearer token (kubeconfig `user.token`).
    public let token: String
    /// Kubeconfig authenticating with the admin bearer token, context namespace `default`.
    public var kubeconfigPath: String { stateDirectory + "/kubeconfig" }
    /// Kubeconfig authenticating with the client certificate and key files.
    public var clientCertificateKubeconfigPath: String { stateDirectory + "/kubeconfig-cert" }
    /// The CA that signed the server certificate.
    public var caPath: String { stateDirectory + "/ca.crt" }
    public var controlURL: String { "http://127.0.0.1:\(controlPort)" }

    private let process: ChildProcess

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts an emulator and waits (up to `timeout` seconds) until it wrote `ready.json`.
    /// `arguments` are extra command-line options (`--gone-window`, `--foreground-delay`, …).
    public static func start(arguments: [String] = [], timeout: Double = 90) async throws -> KubeEmulator {
        // Dozens of tests start emulators at once; on two cores, starting them all together
        // starves each of them. A few at a time start faster in total.
        await startGate.enter()
        defer { Task { await startGate.leave() } }
        let script = BuildProducts.packageRoot.appendingPathComponent("tools/kube-emulator/emulator.py").path
        guard FileManager.default.fileExists(atPath: script) else {
            throw StartError(description: "the emulator is missing at \(script)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kube-emulator-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // scripts/test exports the interpreter's real path: going through a version-manager shim
        // for every start costs several extra processes each time.
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        let process = try ChildProcess(python, [script, "--state-dir", dir, "--port", "0", "--control-port", "0"] + arguments)
        let readyPath = dir + "/ready.json"
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: readyPath),
               let ready = try? JSONDecoder().decode(Ready.self, from: data) {
                return KubeEmulator(stateDirectory: dir, ready: ready, process: process)
            }
            if let code = process.poll() {
                throw StartError(description: "the emulator exited with code \(code) before it was ready: \(process.standardError.suffix(2000))")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        await process.terminate()
        throw StartError(description: "the emulator was not ready within \(timeout) s: \(process.standardError.suffix(2000))")
    }

    /// Starts an emulator, runs `body`, and stops the emulator however `body` ends.
    public static func with<T: Sendable>(arguments: [String] = [], _ body: (KubeEmulator) async throws -> T) async throws -> T {
        let emulator = try await start(arguments: arguments)
        do {
            let result = try await body(emulator)
            await emulator.stop()
            return result
        } catch {
            await emulator.stop()
            throw error
        }
    }

    private struct Ready: Decodable {
        var port: Int
        var controlPort: Int
        var server: String
        var token: String
    }

    private init(stateDirectory: String, ready: Ready, process: ChildProcess) {
        self.stateDirectory = stateDirectory
        self.server = ready.server
        self.port = ready.port
        self.controlPort = ready.controlPort
        self.token = ready.token
        self.process = process
    }

    /// Stops the process (SIGTERM, then SIGKILL) and removes the state directory.
    /// Stops the emulator; returns how the process ended (see `ChildProcess.terminate`).
    @discardableResult
    public func stop() async -> Int32? {
        let code = await process.terminate()
        try? FileManager.default.removeItem(atPath: stateDirectory)
        return code
    }

    /// The emulator's own log (stderr), for test failure messages.
    public var log: String { process.standardError }

    // MARK: control API

    /// Sends one control request and returns the decoded JSON answer (`.null` for an empty body).
    @discardableResult
    public func control(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        try await ControlAPI.call(controlURL, method, path, body, server: "emulator")
    }

    /// `POST /reset`: deletes every object and script, resets counters and faults.
    public func reset() async throws { try await control("POST", "/reset") }

    /// `POST /outcomes`: the outcome of Jobs created from now on that match `job` (exact name)
    /// or `namePrefix` in `namespace`.
    public func scriptOutcome(job: String? = nil, namePrefix: String? = nil, namespace: String = "default", outcome: JSONValue) async throws {
        try await control("POST", "/outcomes", [
            "job": job.map { .string($0) } ?? .null,
            "namePrefix": namePrefix.map { .string($0) } ?? .null,
            "namespace": .string(namespace),
            "outcome": outcome,
        ])
    }

    /// `POST /outcomes {"default": …}`: the outcome of Jobs no script matches.
    public func setDefaultOutcome(_ outcome: JSONValue) async throws {
        try await control("POST", "/outcomes", ["default": outcome])
    }

    /// `POST /jobs/<namespace>/<name>/finish`: applies an outcome to a running Job now.
    public func finishJob(namespace: String = "default", name: String, outcome: JSONValue) async throws {
        try await control("POST", "/jobs/\(namespace)/\(name)/finish", outcome)
    }

    /// `POST /clock {"now": …}`: the time the CronJob controller schedules by, from now on.
    public func setClock(_ time: Date) async throws {
        try await control("POST", "/clock", ["now": .string(Timestamp.rfc3339(time))])
    }

    /// `POST /clock {"advanceSeconds": …}`: moves the CronJob controller's clock forward.
    public func advanceClock(seconds: Double) async throws {
        try await control("POST", "/clock", ["advanceSeconds": .double(seconds)])
    }

    /// `POST /deployments/<namespace>/<name>/outcome`: what the Deployment's pods do from now on
    /// (`{"crashLoop": true, …}`, or `{}` to heal them).
    public func setDeploymentOutcome(namespace: String = "default", name: String, outcome: JSONValue) async throws {
        try await control("POST", "/deployments/\(namespace)/\(name)/outcome", outcome)
    }

    /// One request the emulator served (`GET /requests` log entry).
    public struct LoggedRequest: Sendable, Decodable {
        /// Unix time in seconds.
        public var t: Double
        public var method: String
        public var path: String
        public var query: String?
        public var verb: String?
        public var resource: String?
        public var code: Int
        public var propagationPolicy: String?
        public var user: String?
    }

    public struct RequestLog: Sendable, Decodable {
        /// `"list jobs": 3`, `"create jobs": 10`, …
        public var counts: [String: Int]
        public var log: [LoggedRequest]

        public func count(_ verb: String, _ resource: String) -> Int { counts["\(verb) \(resource)"] ?? 0 }
    }

    /// `GET /requests`.
    public func requests() async throws -> RequestLog {
        let value = try await control("GET", "/requests")
        return try JSONDecoder().decode(RequestLog.self, from: Data(value.canonicalJSON.utf8))
    }

    /// `POST /requests/reset`.
    public func resetRequests() async throws { try await control("POST", "/requests/reset") }

    /// `POST /faults`: the next `count` requests matching `pathPrefix` (and `method`) answer
    /// `status` (with `Retry-After: retryAfter` for 429), or are dropped, or delayed.
    public func injectFault(pathPrefix: String, method: String? = nil, count: Int = 1, status: Int? = nil, retryAfter: Double? = nil,
                            drop: Bool = false, latencyMs: Int = 0) async throws {
        var body: [String: JSONValue] = ["pathPrefix": .string(pathPrefix), "count": .integer(Int64(count)),
                                         "drop": .bool(drop), "latencyMs": .integer(Int64(latencyMs))]
        body["method"] = method.map { .string($0) } ?? .null
        if let status { body["status"] = .integer(Int64(status)) }
        if let retryAfter {
            body["retryAfter"] = retryAfter == retryAfter.rounded() ? .integer(Int64(retryAfter)) : .double(retryAfter)
        }
        try await control("POST", "/faults", .object(body))
    }

    /// `DELETE /faults`.
    public func clearFaults() async throws { try await control("DELETE", "/faults") }

    /// `POST /watches/cut`: closes every open watch; with `midLine`, after half of a JSON line.
    public func cutWatches(midLine: Bool = false) async throws {
        try await control("POST", "/watches/cut", ["midLine": .bool(midLine)])
    }

    /// `POST /tokens` with RBAC rules (`[{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]`).
    public func addToken(_ token: String, user: String, rules: JSONValue) async throws {
        try await control("POST", "/tokens", ["token": .string(token), "user": .string(user), "rules": rules])
    }

    /// `POST /tokens` with a Role manifest.
    public func addToken(_ token: String, user: String, role: JSONValue) async throws {
        try await control("POST", "/tokens", ["token": .string(token), "user": .string(user), "role": role])
    }

    /// Writes a kubeconfig for this emulator that authenticates with `token` (context namespace
    /// `namespace`) into the state directory and returns its path.
    public func writeKubeconfig(token: String, name: String, namespace: String = "default") throws -> String {
        let config: JSONValue = [
            "apiVersion": "v1", "kind": "Config", "current-context": "emulator",
            "clusters": [["name": "emulator", "cluster": ["server": .string(server), "certificate-authority": .string(caPath)]]],
            "users": [["name": .string(name), "user": ["token": .string(token)]]],
            "contexts": [["name": "emulator", "context": ["cluster": "emulator", "user": .string(name), "namespace": .string(namespace)]]],
        ]
        let path = stateDirectory + "/kubeconfig-" + name
        try config.canonicalJSON.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `POST /config`: changes timing knobs at run time; nil leaves a knob as it is.
    public func configure(foregroundDelay: Double? = nil, goneWindow: Int? = nil, bookmarkInterval: Double? = nil, podStartDelay: Double? = nil) async throws {
        var body: [String: JSONValue] = [:]
        if let foregroundDelay { body["foregroundDelay"] = .double(foregroundDelay) }
        if let goneWindow { body["goneWindow"] = .integer(Int64(goneWindow)) }
        if let bookmarkInterval { body["bookmarkInterval"] = .double(bookmarkInterval) }
        if let podStartDelay { body["podStartDelay"] = .double(podStartDelay) }
        try await control("POST", "/config", .object(body))
    }

    /// `GET /objects?kind=…`: the raw stored objects, for assertions.
    public func objects(kind: String) async throws -> JSONValue {
        try await control("GET", "/objects?kind=\(kind)")
    }
}

/// Limits how many emulators start at the same moment.
actor StartGate {
    private let limit: Int
    private var inside = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func enter() async {
        if inside < limit {
            inside += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            inside -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

let startGate = StartGate(limit: 3)

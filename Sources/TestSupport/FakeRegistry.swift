import Common
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The test-only container registry (`tools/fake-registry/registry.py`) as a child process, with
/// a client for its control API: tags that move, users for private repositories, outages, and
/// the log of what it was asked (never with credentials).
public final class FakeRegistry: Sendable {
    public let stateDirectory: String
    /// `http://127.0.0.1:<port>`.
    public let url: String
    public let port: Int
    public let controlPort: Int
    /// `127.0.0.1:<port>`: the registry host an image names.
    public var host: String { "127.0.0.1:\(port)" }
    private let process: ChildProcess

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    private struct Ready: Decodable {
        var port: Int
        var controlPort: Int
        var url: String
    }

    public static func start(timeout: Double = 60) async throws -> FakeRegistry {
        let script = BuildProducts.packageRoot.appendingPathComponent("tools/fake-registry/registry.py").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fake-registry-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        let process = try ChildProcess(python, [script, "--state-dir", dir, "--port", "0", "--control-port", "0"])
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: dir + "/ready.json"), let ready = try? JSONDecoder().decode(Ready.self, from: data) {
                return FakeRegistry(stateDirectory: dir, ready: ready, process: process)
            }
            if let code = process.poll() {
                throw StartError(description: "the fake registry exited with code \(code) before it was ready: \(process.standardError.suffix(2000))")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        await process.terminate()
        throw StartError(description: "the fake registry was not ready within \(timeout) s")
    }

    public static func with<T: Sendable>(_ body: (FakeRegistry) async throws -> T) async throws -> T {
        let registry = try await start()
        do {
            let result = try await body(registry)
            await registry.stop()
            return result
        } catch {
            await registry.stop()
            throw error
        }
    }

    private init(stateDirectory: String, ready: Ready, process: ChildProcess) {
        self.stateDirectory = stateDirectory
        self.url = ready.url
        self.port = ready.port
        self.controlPort = ready.controlPort
        self.process = process
    }

    public func stop() async {
        await process.terminate()
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    @discardableResult
    public func control(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        try await ControlAPI.call("http://127.0.0.1:\(controlPort)", method, path, body, server: "fake registry")
    }

    /// Creates or moves `name:tag`; returns the digest a multi-arch client is served (the index's,
    /// or the single manifest's) and the platform manifests' digests.
    @discardableResult
    public func pushTag(_ name: String, tag: String, index: Bool = true, indexType: String = "oci", private isPrivate: Bool = false) async throws
        -> (digest: String, platformDigests: [String: String]) {
        let answer = try await control("POST", "/tags", ["name": .string(name), "tag": .string(tag), "index": .bool(index),
                                                         "indexType": .string(indexType), "private": .bool(isPrivate)])
        let platforms = (answer["platformDigests"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        return (answer["digest"]?.stringValue ?? "", platforms)
    }

    public func addUser(_ username: String, password: String, repositories: [String]) async throws {
        try await control("POST", "/users", ["username": .string(username), "password": .string(password),
                                              "repositories": .array(repositories.map { .string($0) })])
    }

    public func startOutage(status: Int = 503) async throws { try await control("POST", "/outage", ["status": .integer(Int64(status))]) }
    public func endOutage() async throws { try await control("DELETE", "/outage") }

    /// What the registry was asked, as its log says (method, path, authorization kind, user, status).
    public func requests() async throws -> [JSONValue] {
        try await control("GET", "/requests")["log"]?.arrayValue ?? []
    }
}

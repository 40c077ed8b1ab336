import Common
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `tenants serve` started by a test against a test database, and a small HTTP client for it.
public final class AdminServerProcess: Sendable {
    public static let writeToken = "test-write-token-0123456789"
    public static let readToken = "test-read-token-0123456789ab"

    public let process: ChildProcess
    /// The port it listens on (ADMIN_PORT=0: the one it logged).
    public let port: Int

    public struct Reply: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let text: String
        public var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null }

        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    public struct NotReady: Error, CustomStringConvertible {
        public let description: String
    }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts the server with both tokens (the writer named `ops-alice`) and waits for /healthz.
    /// `overrides` replace variables (an empty value unsets one).
    public static func start(databaseURL: String, overrides: [String: String] = [:]) async throws -> AdminServerProcess {
        // Port 0: the server binds a free port itself and logs it (a port picked here could be
        // taken by another process before the child binds it).
        var env = ["DATABASE_URL": databaseURL, "ADMIN_PORT": "0", "ADMIN_TOKEN": writeToken,
                   "ADMIN_TOKEN_NAME": "ops-alice", "ADMIN_READONLY_TOKEN": readToken, "LOG_LEVEL": "debug",
                   "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        for (key, value) in overrides { env[key] = value.isEmpty ? nil : value }
        let process = try ChildProcess(BuildProducts.path("tenants"), ["serve"], environment: env)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let port = loggedPort(process.standardError) {
                let server = AdminServerProcess(process: process, port: port)
                if let reply = try? await server.request("GET", "/healthz"), reply.status == 200 { return server }
            }
            if let code = process.poll() {
                throw NotReady(description: "tenants serve exited with \(code): \(process.standardError.suffix(2000))")
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        await process.terminate()
        throw NotReady(description: "tenants serve did not answer /healthz within 30 s: \(process.standardError.suffix(2000))")
    }

    /// The `port=` of the "serving the admin API" line.
    static func loggedPort(_ log: String) -> Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("serving the admin API") }),
              let range = line.range(of: " port=") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    public func stop() async {
        await process.terminate()
    }

    public var log: String { process.standardError + process.standardOutput }

    /// One request; `path` is sent as written (percent-encode ids yourself).
    public func request(_ method: String, _ path: String, body: JSONValue? = nil, rawBody: Data? = nil, token: String? = writeToken,
                        headers: [String: String] = [:]) async throws -> Reply {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw NotReady(description: "not a URL path: \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.canonicalJSON.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let rawBody {
            request.httpBody = rawBody
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] { fields["\(key)"] = "\(value)" }
        return Reply(status: http?.statusCode ?? 0, headers: fields, text: String(decoding: data, as: UTF8.self))
    }

    /// An account id as one path segment.
    public static func segment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? id
    }
}

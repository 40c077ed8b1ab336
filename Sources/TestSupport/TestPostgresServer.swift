import Foundation
import Postgres
#if canImport(Glibc)
import Glibc
#endif

/// A private, throwaway PostgreSQL server for tests that stop, restart or reconfigure a server
/// (the shared one in `TEST_DATABASE_URL` must never be disturbed). It listens on 127.0.0.1 on
/// a free port and on a Unix socket in its own directory. `TEST_PG_BINDIR` must hold `initdb`
/// and `pg_ctl`; as root they run as the `postgres` user (initdb refuses root).
///
///     let server = try await TestPostgresServer.start()
///     ... server.url ... try await server.restart() ...
///     await server.destroy()
public final class TestPostgresServer: Sendable {
    /// How TCP clients authenticate. Unix-socket clients are always trusted (that is how
    /// `superuserURL` works even with `.scramSHA256`).
    public enum HostAuthentication: String, Sendable {
        case trust
        case scramSHA256 = "scram-sha-256"
    }

    public let directory: String
    public let port: Int
    private let binDirectory: String

    /// TCP connection as superuser `postgres` (key=value form); needs `.trust` host authentication.
    public var url: String { "host=127.0.0.1 port=\(port) user=postgres dbname=postgres" }
    /// Unix-socket connection as superuser `postgres`; always trusted.
    public var superuserURL: String { "host=\(directory) port=\(port) user=postgres dbname=postgres" }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private init(directory: String, port: Int, binDirectory: String) {
        self.directory = directory
        self.port = port
        self.binDirectory = binDirectory
    }

    /// initdb + start, about 1.5 s.
    public static func start(hostAuthentication: HostAuthentication = .trust) async throws -> TestPostgresServer {
        guard let bin = ProcessInfo.processInfo.environment["TEST_PG_BINDIR"], !bin.isEmpty else {
            throw Failure(description: "TEST_PG_BINDIR is not set: it must name the directory holding initdb and pg_ctl (scripts/test and scripts/postgres-sandbox set it)")
        }
        var template = Array("/tmp/pgtest-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "cannot create a temporary directory: \(String(cString: strerror(errno)))") }
        let directory = String(cString: made)
        if getuid() == 0, let user = getpwnam("postgres") {
            chown(directory, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        let server = TestPostgresServer(directory: directory, port: try FreePort.pick(), binDirectory: bin)
        try await server.run("initdb", ["-D", server.dataDirectory, "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync",
                                        "--auth-local=trust", "--auth-host=\(hostAuthentication.rawValue)"])
        try await server.startServer()
        return server
    }

    /// Runs `body` with a new server and destroys it afterwards, also when `body` throws.
    @discardableResult
    public static func with<T: Sendable>(hostAuthentication: HostAuthentication = .trust, _ body: (TestPostgresServer) async throws -> T) async throws -> T {
        let server = try await start(hostAuthentication: hostAuthentication)
        do {
            let value = try await body(server)
            await server.destroy()
            return value
        } catch {
            await server.destroy()
            throw error
        }
    }

    var dataDirectory: String { directory + "/data" }

    /// Stops the server (fast shutdown: sessions are disconnected).
    public func stop() async throws {
        try await run("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "stop"])
    }

    /// Starts it again on the same port after `stop()`.
    public func startServer() async throws {
        try await run("pg_ctl", ["-D", dataDirectory, "-l", directory + "/server.log", "-w", "-o",
                                 "-k \(directory) -c listen_addresses=127.0.0.1 -p \(port) -c fsync=off", "start"])
    }

    public func restart() async throws {
        try await stop()
        try await startServer()
    }

    /// Stops the server and deletes its directory.
    public func destroy() async {
        _ = try? await run("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func run(_ tool: String, _ arguments: [String]) async throws {
        let path = binDirectory + "/" + tool
        let result = getuid() == 0
            ? try await ChildProcess.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments, timeout: 60)
            : try await ChildProcess.run(path, arguments, timeout: 60)
        guard result.code == 0 else {
            let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) exited \(result.code): \(result.stderr)\(result.stdout)\n\(log.suffix(2000))")
        }
    }

}

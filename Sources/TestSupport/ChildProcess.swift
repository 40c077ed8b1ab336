import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, its output sent to files (never to a pipe the
/// child could inherit and hold open — that is what makes Foundation's `Process.waitUntilExit()`
/// hang on daemons such as `pg_ctl start`).
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String
    /// The exit status once `waitpid` reported it (the child is reaped only once).
    private let exitStatus = Mutex<Int32?>(nil)

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `executable` (a path, or a name looked up in PATH) with `arguments`.
    /// `environment` replaces the child's environment when given, else it inherits ours.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        stdoutPath = dir.appendingPathComponent("stdout").path
        stderrPath = dir.appendingPathComponent("stderr").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        // The child inherits the spawning thread's signal mask, and the test runner's threads block
        // SIGTERM and friends: without a reset, a child never sees the SIGTERM `terminate()` sends.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for sig in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaultSignals, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = environment ?? ProcessInfo.processInfo.environment
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = executable.contains("/")
            ? posix_spawn(&child, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
    }

    /// Sends a signal (SIGTERM by default).
    public func signal(_ sig: Int32 = SIGTERM) { kill(pid, sig) }

    /// Waits for the exit and returns the exit code (128+signal when killed by a signal),
    /// or nil when `timeout` seconds pass first.
    @discardableResult
    public func wait(timeout: Double = 60) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let code = poll() { return code }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return poll()
    }

    /// Non-blocking check of the exit status.
    public func poll() -> Int32? {
        let pid = self.pid
        return exitStatus.withLock { exitStatus in
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            guard r == pid else { return nil }
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
            let signalled = status & 0x7f
            let code = signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
            exitStatus = code
            return code
        }
    }

    public var isRunning: Bool { poll() == nil }

    public var standardOutput: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Kills the child if it is still running and reaps it: SIGTERM, then SIGKILL after 5 s.
    /// Returns how it ended (`wait`'s code: 128 + SIGKILL when SIGTERM was not enough).
    @discardableResult
    public func terminate() async -> Int32? {
        guard isRunning else { return poll() }
        signal(SIGTERM)
        if let code = await wait(timeout: 5) { return code }
        signal(SIGKILL)
        return await wait(timeout: 5)
    }

    /// Runs a command to completion and returns (exit code, stdout, stderr).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Double = 120) async throws -> (code: Int32, stdout: String, stderr: String) {
        let p = try ChildProcess(executable, arguments, environment: environment)
        guard let code = await p.wait(timeout: timeout) else {
            await p.terminate()
            throw SpawnError(description: "\(executable) \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
        }
        return (code, p.standardOutput, p.standardError)
    }
}

/// Where the test run's build products (the three executables) are.
public enum BuildProducts {
    /// The directory holding the test bundle also holds `provisioner`, `restarter`, `migrate`.
    public static var directory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("migrate").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
    }

    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The package root (where Package.swift, migrations/ and tools/ live).
    public static var packageRoot: URL {
        var url = directory
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }
}

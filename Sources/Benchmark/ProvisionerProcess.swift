import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport

/// The release `provisioner` under test, as a child process, with its `/metrics` and its log.
final class ProvisionerProcess: Sendable {
    let process: ChildProcess
    let healthPort: Int

    init(path: String, environment: [String: String], healthPort: Int) throws {
        self.healthPort = healthPort
        var env = environment
        env["HEALTH_PORT"] = String(healthPort)
        process = try ChildProcess(path, [], environment: env)
    }

    var pid: Int32 { process.pid }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Throws with the end of its log if the provisioner is no longer running.
    func checkRunning() throws {
        if let code = process.poll() {
            throw Failure(description: "the provisioner exited with code \(code); its log ends with:\n\(process.standardError.suffix(3000))")
        }
    }

    /// The current `/metrics`, or nil while the health server does not answer yet.
    func metrics() async -> PrometheusText? {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(healthPort)/metrics")!)
        request.timeoutInterval = 10
        guard let (data, response) = try? await URLSession.shared.data(for: request),
              (response as? HTTPURLResponse)?.statusCode == 200 else { return nil }
        return PrometheusText(String(decoding: data, as: UTF8.self))
    }

    /// Size of the log so far, to read only what a phase added with `log(since:)`.
    var logSize: UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: process.stderrPath)[.size]) as? UInt64) ?? 0
    }

    func log(since offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: process.stderrPath) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }

    /// SIGTERM, then the exit code (nil when it did not stop within the timeout and was killed).
    func stop() async -> Int32? {
        process.signal(SIGTERM)
        if let code = await process.wait(timeout: 30) { return code }
        await process.terminate()
        return nil
    }
}

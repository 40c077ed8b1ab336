import Foundation

/// A wait in a test that timed out, naming what was awaited (and the log of the process that
/// should have done it).
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}

/// Polls `condition` every `interval` seconds until it holds (true) or `timeout` seconds pass
/// (false, after one last look). The one polling loop of every test target.
public func poll(timeout: Double, interval: Double = 0.02, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
    }
    return try await condition()
}

/// `poll`, throwing a `TestFailure` that names `what` and carries `log` when time runs out.
public func eventually(_ what: String, timeout: Double = 15, log: @autoclosure () -> String = "",
                       _ condition: () async throws -> Bool) async throws {
    if try await poll(timeout: timeout, interval: 0.05, condition) { return }
    throw TestFailure(description: "timed out after \(timeout) s waiting for: \(what)\n--- process log ---\n\(log())")
}

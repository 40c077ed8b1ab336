import FoundationEssentials
import Synchronization

/// What `/readyz` answers: ready only when the database and the API are reachable, the schema
/// is current and the last pass succeeded. The reason it is not ready is the response body.
public final class Readiness: Sendable {
    private struct State {
        var problems: [String: String] = ["startup": "starting"]
    }

    private let state = Mutex(State())

    public init() {}

    /// Records (or clears, with nil) a problem under a key such as "database" or "pass".
    public func set(_ key: String, problem: String?) {
        state.withLock { $0.problems[key] = problem }
    }

    public var isReady: Bool { state.withLock { $0.problems.isEmpty } }

    public var problems: [String] {
        state.withLock { s in s.problems.keys.sorted().map { "\($0): \(s.problems[$0]!)" } }
    }
}

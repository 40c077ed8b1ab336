import Synchronization

/// Counts of API requests by verb and HTTP status code, for `/metrics`. Every attempt counts,
/// retries included; `code` is 0 when no answer came back (connection refused, dropped, timeout).
public final class KubeRequestMetrics: Sendable {
    public struct Key: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var verb: KubeVerb
        public var code: Int

        public init(verb: KubeVerb, code: Int) {
            self.verb = verb
            self.code = code
        }

        public static func < (a: Key, b: Key) -> Bool { (a.verb.rawValue, a.code) < (b.verb.rawValue, b.code) }
        public var description: String { "\(verb.rawValue) \(code)" }
    }

    private let counts = Mutex<[Key: Int]>([:])

    public init() {}

    func record(verb: KubeVerb, code: Int) {
        counts.withLock { $0[Key(verb: verb, code: code), default: 0] += 1 }
    }

    /// A copy of the counters.
    public func snapshot() -> [Key: Int] { counts.withLock { $0 } }
}

import Common
import FoundationEssentials

/// Status and audit rows of cluster actions whose write failed (the database went away right
/// after the API call). They are kept in memory and written, in order, once the database answers
/// again, so an outage between an action and its record loses nothing unless the process dies
/// or more than `limit` records pile up (then the oldest are dropped, logged and counted).
public actor PendingRecords {
    public typealias Write = @Sendable () async throws -> Void

    private var writes: [(what: String, write: Write)] = []
    private let limit: Int
    private var dropped = 0

    public init(limit: Int = 10_000) {
        self.limit = limit
    }

    public var count: Int { writes.count }
    public var droppedCount: Int { dropped }

    public func add(_ what: String, _ write: @escaping Write) {
        writes.append((what, write))
        if writes.count > limit {
            dropped += writes.count - limit
            writes.removeFirst(writes.count - limit)
        }
    }

    /// Writes what is pending, oldest first; stops at the first failure (the database is still
    /// away) and returns how many were written.
    @discardableResult
    public func flush() async -> Int {
        var written = 0
        while let first = writes.first {
            do {
                try await first.write()
            } catch {
                break
            }
            writes.removeFirst()
            written += 1
        }
        return written
    }
}

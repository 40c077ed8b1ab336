import Postgres

/// A few database connections shared by the API's requests: each request borrows one for its
/// statements and gives it back. A connection that broke reconnects on its next statement.
public actor ConnectionPool {
    private let config: PostgresConfig
    private let size: Int
    private var idle: [PostgresConnection] = []
    private var opened = 0
    private var waiting: [CheckedContinuation<PostgresConnection, Never>] = []

    public init(config: PostgresConfig, size: Int) {
        self.config = config
        self.size = max(1, size)
    }

    public func withConnection<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let connection = await borrow()
        defer { giveBack(connection) }
        return try await body(connection)
    }

    private func borrow() async -> PostgresConnection {
        if let connection = idle.popLast() { return connection }
        if opened < size {
            opened += 1
            return PostgresConnection(config: config)
        }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func giveBack(_ connection: PostgresConnection) {
        if waiting.isEmpty {
            idle.append(connection)
        } else {
            waiting.removeFirst().resume(returning: connection)
        }
    }

    public func closeAll() async {
        for connection in idle { await connection.close() }
        idle.removeAll()
    }
}

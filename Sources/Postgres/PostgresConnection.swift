import Common

/// One PostgreSQL session, used by one caller at a time. Every libpq call runs on this actor's
/// own serial DispatchQueue (never on Swift's cooperative pool), and one statement finishes
/// before the next starts.
///
/// It connects on first use and reconnects on the first call after the connection was lost:
/// while the server is down every call fails fast with a `.connection` error; the first call
/// after the server is back succeeds. Nothing is retried behind the caller's back.
///
///     let db = PostgresConnection(config: config, logger: logger)
///     let rows = try await db.query("SELECT account_id FROM accounts WHERE is_active = $1", [true])
///     try await db.transaction { db in
///         try db.execute("INSERT INTO audit_log (actor, action) VALUES ($1, $2)", ["pod-1", "create"])
///     }
public actor PostgresConnection {
    public let config: PostgresConfig
    private let logger: Logger
    private let executor: QueueExecutor
    private var connection: LibPQConnection?
    private var transactionDepth = 0

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Does not connect yet; the first statement (or `connect()`) does.
    public init(config: PostgresConfig, logger: Logger = .disabled) {
        self.config = config
        self.logger = logger.with(["db.target": config.description])
        self.executor = QueueExecutor(label: "postgres.connection")
    }

    /// Connects now (or checks the existing session), so a caller can tell "database down" apart
    /// from a failing statement.
    public func connect() throws(PostgresError) {
        _ = try session()
    }

    /// Closes the session; the next call opens a new one.
    public func close() {
        connection = nil
        transactionDepth = 0
    }

    public var isConnected: Bool { connection?.isHealthy ?? false }

    /// Runs one statement and returns its rows. Parameters are `$1`, `$2`, ... in `sql`.
    public func query(_ sql: String, _ parameters: [PostgresValue?] = []) throws(PostgresError) -> [PostgresRow] {
        try run { connection throws(PostgresError) in try connection.execute(sql, parameters) }.rows
    }

    /// Runs one statement and returns how many rows it inserted, updated or deleted.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue?] = []) throws(PostgresError) -> Int {
        try run { connection throws(PostgresError) in try connection.execute(sql, parameters) }.affectedRows
    }

    /// Runs a string of several statements without parameters (migration files). Never build
    /// it from values: use `query`/`execute` with parameters for those.
    public func executeScript(_ sql: String) throws(PostgresError) {
        _ = try run { connection throws(PostgresError) in try connection.executeScript(sql) }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// The body runs on this actor and cannot suspend, so no other caller's statement can
    /// slip into the transaction. Nested calls use savepoints.
    public func transaction<T: Sendable>(_ body: @Sendable (isolated PostgresConnection) throws -> T) throws -> T {
        let depth = transactionDepth
        let savepoint = "nested_\(depth)"
        try execute(depth == 0 ? "BEGIN" : "SAVEPOINT \(savepoint)")
        transactionDepth = depth + 1
        let value: T
        do {
            value = try body(self)
        } catch {
            transactionDepth = depth
            if isConnected {
                do {
                    try execute(depth == 0 ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT \(savepoint)")
                } catch let rollbackError {
                    logger.warning("rollback failed", ["error": rollbackError.description])
                }
            }
            throw error
        }
        transactionDepth = depth
        // A failing COMMIT (e.g. a deferred constraint) ends the transaction as a rollback.
        try execute(depth == 0 ? "COMMIT" : "RELEASE SAVEPOINT \(savepoint)")
        return value
    }

    /// Sends `NOTIFY channel, payload` (through `pg_notify`, so both are parameters).
    public func notify(channel: String, payload: String) throws(PostgresError) {
        try execute("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)])
    }

    private func run(_ operation: (LibPQConnection) throws(PostgresError) -> QueryResult) throws(PostgresError) -> QueryResult {
        let connection = try session()
        do {
            return try operation(connection)
        } catch {
            if error.kind == .connection || !connection.isHealthy {
                logger.warning("database connection lost", ["error": error.description])
                self.connection = nil
                var lost = error
                lost.kind = .connection
                throw lost
            }
            throw error
        }
    }

    /// The open session, or a new one when there is none or the old one broke while idle.
    private func session() throws(PostgresError) -> LibPQConnection {
        if connection == nil && transactionDepth > 0 {
            // A new session would silently run the rest of the transaction outside of it.
            throw PostgresError(kind: .connection, message: "the connection was lost inside a transaction, which the server rolled back")
        }
        if let connection {
            // Inside a transaction a broken session must surface as an error, not be replaced.
            if transactionDepth > 0 || connection.checkIdleConnection() { return connection }
            logger.info("database connection was closed by the server; reconnecting")
            self.connection = nil
        }
        let fresh = try LibPQConnection(config: config, logger: logger)
        logger.debug("connected to database")
        connection = fresh
        return fresh
    }
}

import Common
import FoundationEssentials
import Postgres

/// Applies migration files to a database: each file in its own transaction, under an advisory
/// lock, recording version, name, sha256 and duration in `schema_migrations`.
public struct SchemaMigrator: Sendable {
    /// The schema version this build of the programs needs: the newest file in `migrations/`.
    /// The provisioner refuses to act until `currentVersion` reaches it.
    public static let requiredVersion = 8

    /// Key of the session advisory lock that serializes `migrate` runs (any constant works; this
    /// one is the first 8 bytes of sha256("tenant-provisioner migrate")).
    public static let advisoryLockKey: Int64 = 0x2f4a_51c3_9e07_b6d1

    /// The highest applied version, or nil when `schema_migrations` does not exist or is empty.
    public static func currentVersion(_ connection: PostgresConnection) async throws(PostgresError) -> Int? {
        guard try await tableExists(connection) else { return nil }
        return try await connection.query("SELECT max(version) AS version FROM schema_migrations").first?.decode("version", as: Int?.self)
    }

    public let connection: PostgresConnection
    public let files: [MigrationFile]
    private let logger: Logger

    public init(connection: PostgresConnection, files: [MigrationFile], logger: Logger = .disabled) {
        self.connection = connection
        self.files = files
        self.logger = logger
    }

    /// Compares the files with `schema_migrations` without changing anything (status, dry run).
    public func plan() async throws(MigrationError) -> MigrationPlan {
        do {
            return MigrationPlan(files: files, applied: try await applied())
        } catch {
            throw .database(error)
        }
    }

    /// Applies every pending file, in order. Stops at the first problem; the files applied
    /// before it stay applied, nothing of the failing one does. Returns the files applied.
    @discardableResult
    public func migrate() async throws(MigrationError) -> [MigrationFile] {
        for file in files {
            if let statement = SQLScript.statements(in: file.sql).first(where: { Self.transactionControl.contains($0.firstKeyword) }) {
                throw .transactionControl(fileName: file.fileName, line: statement.line, keyword: statement.firstKeyword)
            }
        }
        do {
            try await lock()
        } catch {
            throw .database(error)
        }
        do {
            let applied = try await applyPending()
            await unlock()
            return applied
        } catch {
            await unlock()
            throw error
        }
    }

    private static let transactionControl: Set<String> = ["BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT"]

    private func applyPending() async throws(MigrationError) -> [MigrationFile] {
        let plan: MigrationPlan
        do {
            try await connection.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version      bigint PRIMARY KEY,
                    name         text NOT NULL,
                    checksum     text NOT NULL,
                    applied_at   timestamptz NOT NULL DEFAULT now(),
                    execution_ms bigint NOT NULL
                )
                """)
            plan = MigrationPlan(files: files, applied: try await applied())
        } catch {
            throw .database(error)
        }
        guard plan.problems.isEmpty else { throw .problems(plan.problems) }
        if plan.pending.isEmpty {
            logger.info("schema is up to date; nothing to apply", ["schema.version": plan.currentVersion.map(String.init) ?? "none"])
            return []
        }
        var done: [MigrationFile] = []
        for file in plan.pending {
            logger.info("applying migration", ["migration.file": file.fileName])
            let milliseconds = try await apply(file)
            if let milliseconds {
                logger.info("applied migration", ["migration.file": file.fileName, "migration.version": String(file.version), "migration.duration_ms": String(milliseconds)])
                done.append(file)
            }
        }
        logger.info("schema is up to date", ["schema.version": String(plan.pending.last?.version ?? 0), "migrations.applied": String(done.count)])
        return done
    }

    /// Runs one file and records it, in one transaction. Returns nil when another run applied it
    /// meanwhile (possible only if this session lost its lock by reconnecting).
    private func apply(_ file: MigrationFile) async throws(MigrationError) -> Int? {
        let statements = SQLScript.statements(in: file.sql)
        let key = Self.advisoryLockKey
        do {
            return try await connection.transaction { db throws -> Int? in
                // A transaction-level lock on the same key: granted at once while our session lock
                // is held, and still exclusive if that lock was lost with a broken connection.
                try db.execute("SELECT pg_advisory_xact_lock($1)", [.int(key)])
                if try !db.query("SELECT 1 FROM schema_migrations WHERE version = $1", [.int(Int64(file.version))]).isEmpty {
                    return nil
                }
                let started = ContinuousClock.now
                for statement in statements {
                    do {
                        try db.executeScript(statement.text)
                    } catch let error as PostgresError {
                        throw MigrationError.statementFailed(fileName: file.fileName, line: statement.fileLine(ofPosition: error.position), error: error)
                    }
                }
                let elapsed = ContinuousClock.now - started
                let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
                try db.execute("INSERT INTO schema_migrations (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)",
                               [.int(Int64(file.version)), .text(file.fileName), .text(file.checksum), .int(Int64(milliseconds))])
                return milliseconds
            }
        } catch let error as MigrationError {
            throw error
        } catch let error as PostgresError {
            // BEGIN, the bookkeeping statements or COMMIT (deferred constraints) failed.
            throw .statementFailed(fileName: file.fileName, line: nil, error: error)
        } catch {
            throw .database(PostgresError(kind: .query, message: "\(error)"))
        }
    }

    private func lock() async throws(PostgresError) {
        let acquired = try await connection.query("SELECT pg_try_advisory_lock($1) AS acquired", [.int(Self.advisoryLockKey)])
        if try acquired.first?.decode("acquired", as: Bool.self) == true { return }
        logger.info("another migrate run holds the migration lock; waiting for it to finish")
        try await connection.execute("SELECT pg_advisory_lock($1)", [.int(Self.advisoryLockKey)])
    }

    private func unlock() async {
        do {
            try await connection.execute("SELECT pg_advisory_unlock($1)", [.int(Self.advisoryLockKey)])
        } catch {
            // The lock is a session lock: closing the session releases it as well.
            await connection.close()
        }
    }

    private func applied() async throws(PostgresError) -> [AppliedMigration] {
        guard try await Self.tableExists(connection) else { return [] }
        let rows = try await connection.query("SELECT version, name, checksum, applied_at, execution_ms FROM schema_migrations ORDER BY version")
        var result: [AppliedMigration] = []
        for row in rows {
            result.append(AppliedMigration(
                version: try row.decode("version"), name: try row.decode("name"), checksum: try row.decode("checksum"),
                appliedAt: try row.decode("applied_at"), executionMilliseconds: try row.decode("execution_ms")))
        }
        return result
    }

    private static func tableExists(_ connection: PostgresConnection) async throws(PostgresError) -> Bool {
        try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").first?.decode("present", as: Bool.self) ?? false
    }
}

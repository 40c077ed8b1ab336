import Common
import Foundation
import Postgres
import SchemaMigrator

/// A fresh, uniquely named database on the server in `TEST_DATABASE_URL`, for one test.
///
///     let db = try await TestDatabase.create()
///     defer-like: call `await db.drop()` at the end (or use `TestDatabase.with { db in ... }`).
public struct TestDatabase: Sendable {
    /// Connection string of the new database (key=value form): pass it as `DATABASE_URL`.
    public let url: String
    public let name: String
    public let config: PostgresConfig
    private let serverConfig: PostgresConfig

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates the database. Fails with a clear message when `TEST_DATABASE_URL` is unset
    /// (run `scripts/test`, or start `scripts/postgres-sandbox` and export its variables).
    public static func create() async throws -> TestDatabase {
        guard let serverURL = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !serverURL.isEmpty else {
            throw Unavailable(description: """
                TEST_DATABASE_URL is not set: these tests need a PostgreSQL server they may create databases on. \
                Run scripts/test, or: eval "$(scripts/postgres-sandbox start /tmp/pg-me)"; export TEST_DATABASE_URL TEST_PG_BINDIR
                """)
        }
        return try await create(onServer: PostgresConfig(connectionString: serverURL, variable: "TEST_DATABASE_URL"))
    }

    /// Creates a database on the server `serverConfig` points at (e.g. a `TestPostgresServer`).
    public static func create(onServer serverConfig: PostgresConfig) async throws -> TestDatabase {
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = PostgresConnection(config: serverConfig)
        // CREATE DATABASE takes no parameters; the name is generated above from hex digits only.
        try await admin.execute("CREATE DATABASE \(name)")
        await admin.close()
        let config = serverConfig.replacingDatabase(name)
        return TestDatabase(url: config.unredactedConnectionString, name: name, config: config, serverConfig: serverConfig)
    }

    /// A fresh database with every migration of the repository's `migrations/` applied.
    public static func createMigrated() async throws -> TestDatabase {
        try await migrate(try await create())
    }

    /// A fresh migrated database on the server `serverConfig` points at (e.g. a `TestPostgresServer`).
    public static func createMigrated(onServer serverConfig: PostgresConfig) async throws -> TestDatabase {
        try await migrate(try await create(onServer: serverConfig))
    }

    private static func migrate(_ database: TestDatabase) async throws -> TestDatabase {
        do {
            let files = try MigrationDirectory.load(BuildProducts.packageRoot.appendingPathComponent("migrations").path)
            let connection = database.connect()
            try await SchemaMigrator(connection: connection, files: files).migrate()
            await connection.close()
            return database
        } catch {
            await database.drop()
            throw error
        }
    }

    /// Runs `body` with a fresh database (migrated when `migrated`) and drops it afterwards,
    /// also when `body` throws.
    @discardableResult
    public static func with<T: Sendable>(migrated: Bool = false, _ body: (TestDatabase) async throws -> T) async throws -> T {
        let database = migrated ? try await createMigrated() : try await create()
        do {
            let value = try await body(database)
            await database.drop()
            return value
        } catch {
            await database.drop()
            throw error
        }
    }

    /// A new connection to this database.
    public func connect(logger: Logger = .disabled) -> PostgresConnection {
        PostgresConnection(config: config, logger: logger)
    }

    /// Drops the database, disconnecting whoever is still connected (PostgreSQL 13+).
    public func drop() async {
        let admin = PostgresConnection(config: serverConfig)
        _ = try? await admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        await admin.close()
    }
}

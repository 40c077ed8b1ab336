import Common
import Foundation
import Postgres
import SchemaMigrator
import TestSupport
import Testing

/// The built `migrate` executable, run as a child process like a Kubernetes Job would run it.
@Suite struct MigrateCommandLineTests {
    func migrate(_ arguments: [String] = [], databaseURL: String?, migrationsDir: String? = packageMigrations) async throws -> (code: Int32, stdout: String, stderr: String) {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        environment["DATABASE_URL"] = databaseURL
        environment["MIGRATIONS_DIR"] = migrationsDir
        return try await ChildProcess.run(BuildProducts.path("migrate"), arguments, environment: environment)
    }

    /// The versions of the repository's migrations, in order.
    var repositoryVersions: [Int] { (try? MigrationDirectory.load(packageMigrations).map { $0.version }) ?? [] }

    /// A temporary MIGRATIONS_DIR holding some of the repository's files and extra ones.
    func migrationsDirectory(repositoryFiles: [String]? = nil, extra: [String: String] = [:]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let names = try repositoryFiles ?? FileManager.default.contentsOfDirectory(atPath: packageMigrations).filter { $0.hasSuffix(".sql") }
        for name in names {
            try FileManager.default.copyItem(atPath: packageMigrations + "/" + name, toPath: path + "/" + name)
        }
        for (name, content) in extra {
            try content.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
        }
        return path
    }

    func appliedVersions(_ database: TestDatabase) async throws -> [Int] {
        try await database.connect().query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode("version") }
    }

    @Test func emptyDatabaseGetsEveryTable() async throws {
        try await TestDatabase.with { database in
            let result = try await migrate(databaseURL: database.url)
            #expect(result.code == 0, "\(result.stderr)")
            let tables = try await database.connect().query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")
            #expect(try tables.map { try $0.decode("table_name", as: String.self) }
                == ["account_status", "accounts", "audit_log", "job_failures", "schema_migrations"])
            let first = try #require(try await database.connect().query("SELECT name, checksum FROM schema_migrations WHERE version = 1").first)
            #expect(try first.decode("name", as: String.self) == "0001_accounts.sql")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: packageMigrations + "/0001_accounts.sql"))
            #expect(try first.decode("checksum", as: String.self) == SHA256.hex(bytes))
        }
    }

    @Test func secondRunIsANoOp() async throws {
        try await TestDatabase.with { database in
            #expect(try await migrate(databaseURL: database.url).code == 0)
            let before = try await database.connect().query("SELECT version, applied_at FROM schema_migrations ORDER BY version").map { try $0.decode("applied_at", as: String.self) }
            let second = try await migrate(databaseURL: database.url)
            #expect(second.code == 0)
            #expect(second.stderr.contains("nothing to apply"))
            let after = try await database.connect().query("SELECT version, applied_at FROM schema_migrations ORDER BY version").map { try $0.decode("applied_at", as: String.self) }
            #expect(before == after)
        }
    }

    @Test func twoConcurrentRunsApplyEachFileOnce() async throws {
        // The slow file keeps the first run inside its lock long enough for the second to queue up;
        // applying it twice would fail on CREATE TABLE.
        let dir = try migrationsDirectory(extra: ["9001_slow.sql": "SELECT pg_sleep(1);\nCREATE TABLE slow_marker (id int);\n"])
        try await TestDatabase.with { database in
            async let first = migrate(databaseURL: database.url, migrationsDir: dir)
            async let second = migrate(databaseURL: database.url, migrationsDir: dir)
            let results = try await [first, second]
            #expect(results.map(\.code) == [0, 0], "\(results.map(\.stderr))")
            #expect(results.filter { $0.stderr.contains("applied migration") }.count == 1)
            #expect(try await appliedVersions(database) == repositoryVersions + [9001])
        }
    }

    @Test func editedAppliedFileStopsWithExit1NamingIt() async throws {
        let dir = try migrationsDirectory()
        try await TestDatabase.with { database in
            #expect(try await migrate(databaseURL: database.url, migrationsDir: dir).code == 0)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/0002_account_status.sql"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("\nALTER TABLE account_status ADD COLUMN sneaky int;\n".utf8))
            try handle.close()
            let result = try await migrate(databaseURL: database.url, migrationsDir: dir)
            #expect(result.code == 1)
            #expect(result.stderr.contains("0002_account_status.sql was changed after it was applied"))
        }
    }

    @Test func brokenNewFileStopsWithExit1NamingFileAndLineAndLeavesNothing() async throws {
        let broken = """
            -- adds two tables; the second has a typo
            CREATE TABLE partial_a (id int);

            CREATE TABLE partial_b (
                id int,
                owner nosuchtype
            );
            """
        let dir = try migrationsDirectory(extra: ["9001_broken.sql": broken])
        try await TestDatabase.with { database in
            let result = try await migrate(databaseURL: database.url, migrationsDir: dir)
            #expect(result.code == 1)
            #expect(result.stderr.contains("9001_broken.sql line 6"), "\(result.stderr)")
            #expect(result.stderr.contains("nosuchtype"))
            let partial = try await database.connect().query("SELECT to_regclass('partial_a') IS NULL AS absent")
            #expect(try partial.first?.decode("absent", as: Bool.self) == true)
            #expect(try await appliedVersions(database) == repositoryVersions)
        }
    }

    @Test func unappliedFileOlderThanTheNewestAppliedStopsWithExit1() async throws {
        let dir = try migrationsDirectory(repositoryFiles: ["0001_accounts.sql", "0002_account_status.sql", "0004_audit_log.sql"])
        try await TestDatabase.with { database in
            #expect(try await migrate(databaseURL: database.url, migrationsDir: dir).code == 0)
            try FileManager.default.copyItem(atPath: packageMigrations + "/0003_job_failures.sql", toPath: dir + "/0003_job_failures.sql")
            let result = try await migrate(databaseURL: database.url, migrationsDir: dir)
            #expect(result.code == 1)
            #expect(result.stderr.contains("0003_job_failures.sql is not applied but is older than the newest applied migration 0004_audit_log.sql"))
            #expect(try await appliedVersions(database) == [1, 2, 4])
        }
    }

    @Test func statusAndDryRunListAppliedAndPendingAndChangeNothing() async throws {
        let partial = try migrationsDirectory(repositoryFiles: ["0001_accounts.sql", "0002_account_status.sql"])
        try await TestDatabase.with { database in
            #expect(try await migrate(databaseURL: database.url, migrationsDir: partial).code == 0)

            let status = try await migrate(["status"], databaseURL: database.url)
            #expect(status.code == 0)
            let lines = status.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(lines.contains { $0.first == "0001" && $0.contains("applied") && $0.last == "0001_accounts.sql" })
            #expect(lines.contains { $0.first == "0002" && $0.contains("applied") })
            #expect(lines.contains { $0.first == "0003" && $0.contains("pending") && $0.last == "0003_job_failures.sql" })
            #expect(lines.contains { $0.first == "0004" && $0.contains("pending") })

            let dryRun = try await migrate(["up", "--dry-run"], databaseURL: database.url)
            #expect(dryRun.code == 0)
            #expect(dryRun.stdout.contains("would apply 0003_job_failures.sql\nwould apply 0004_audit_log.sql\n"))
            #expect(!dryRun.stdout.contains("0001_accounts.sql"))
            #expect(try await appliedVersions(database) == [1, 2])
        }
    }

    @Test func unreachableDatabaseExits1WithAClearMessageAndNoPassword() async throws {
        let result = try await migrate(databaseURL: "postgresql://app:Secret-Pw-42@127.0.0.1:1/tenants")
        #expect(result.code == 1)
        #expect(result.stderr.contains("cannot reach the database"))
        #expect(result.stderr.contains("127.0.0.1"))
        #expect(!result.stderr.contains("Secret-Pw-42"))
    }

    @Test(arguments: [["down"], ["up", "--force"], ["status", "extra"]])
    func badUsageExits2(arguments: [String]) async throws {
        let result = try await migrate(arguments, databaseURL: nil)
        #expect(result.code == 2)
        #expect(result.stderr.contains("migrate --help"))
    }

    @Test func malformedDatabaseURLExits2NamingItWithoutThePassword() async throws {
        let result = try await migrate(databaseURL: "postgresql://app:Secret-Pw-42@db:5432/tenants?colour=blue")
        #expect(result.code == 2)
        #expect(result.stderr.contains("DATABASE_URL"))
        #expect(result.stderr.contains("app:***@db"))
        #expect(!result.stderr.contains("Secret-Pw-42"))
    }

    @Test func databaseURLWithAPortThatIsNotANumberExits2() async throws {
        let result = try await migrate(databaseURL: "postgresql://app:Secret-Pw-42@db:port/tenants")
        #expect(result.code == 2)
        #expect(result.stderr.contains("DATABASE_URL"))
        #expect(result.stderr.contains("port"))
        #expect(result.stderr.contains("1 to 65535"))
        #expect(!result.stderr.contains("Secret-Pw-42"))
    }

    @Test func missingMigrationsDirExits2() async throws {
        let result = try await migrate(databaseURL: "postgresql://127.0.0.1:1/x", migrationsDir: "/nonexistent/migrations")
        #expect(result.code == 2)
        #expect(result.stderr.contains("MIGRATIONS_DIR"))
    }

    @Test func badlyNamedFileExits2() async throws {
        let dir = try migrationsDirectory(extra: ["add_things.sql": "SELECT 1;"])
        let result = try await migrate(databaseURL: "postgresql://127.0.0.1:1/x", migrationsDir: dir)
        #expect(result.code == 2)
        #expect(result.stderr.contains("add_things.sql"))
    }

    @Test func transactionControlInAFileIsRefusedBeforeAnythingRuns() async throws {
        let dir = try migrationsDirectory(extra: ["9001_commits.sql": "CREATE TABLE early (id int);\nCOMMIT;\n"])
        try await TestDatabase.with { database in
            let result = try await migrate(databaseURL: database.url, migrationsDir: dir)
            #expect(result.code == 1)
            #expect(result.stderr.contains("9001_commits.sql line 2: COMMIT is not allowed"))
            #expect(try await database.connect().query("SELECT to_regclass('early') IS NULL AS absent").first?.decode("absent", as: Bool.self) == true)
        }
    }

    @Test func helpExplainsCommandsEnvironmentAndExitCodes() async throws {
        let result = try await migrate(["--help"], databaseURL: nil)
        #expect(result.code == 0)
        for expected in ["migrate status", "--dry-run", "MIGRATIONS_DIR", "DATABASE_URL", "PGHOST", "Exit codes"] {
            #expect(result.stdout.contains(expected), "help lacks \(expected)")
        }
    }
}

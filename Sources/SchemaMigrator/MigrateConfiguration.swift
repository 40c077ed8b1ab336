import Common
import FoundationEssentials
import Postgres

/// Everything `migrate` reads from its environment, validated in one place:
/// - `DATABASE_URL`: libpq URI or key=value string; unset → libpq's `PG*` variables.
/// - `MIGRATIONS_DIR`: default `/migrations` if it exists, else `./migrations`.
/// - `LOG_LEVEL`: debug, info, warning, error (default info).
/// - `LOG_FORMAT`: text or json (default text).
public struct MigrateConfiguration: Sendable {
    public var database: PostgresConfig
    public var migrationsDirectory: String
    public var logLevel: LogLevel
    public var logFormat: LogFormat

    public static func load(_ environment: Environment, directoryExists: (String) -> Bool = MigrateConfiguration.directoryExists) throws(ConfigError) -> MigrateConfiguration {
        let logLevel = try environment.choice("LOG_LEVEL", default: LogLevel.info)
        let logFormat = try environment.choice("LOG_FORMAT", default: LogFormat.text)
        let database = try PostgresConfig.fromEnvironment(environment, applicationName: "migrate")
        let directory: String
        if let configured = environment.string("MIGRATIONS_DIR") {
            directory = configured
        } else if directoryExists("/migrations") {
            directory = "/migrations"
        } else if directoryExists("migrations") {
            directory = "migrations"
        } else {
            throw ConfigError(name: "MIGRATIONS_DIR", value: nil, problem: "it is not set and neither /migrations nor ./migrations exists; set it to the directory holding the NNNN_description.sql files")
        }
        return MigrateConfiguration(database: database, migrationsDirectory: directory, logLevel: logLevel, logFormat: logFormat)
    }

    public static func directoryExists(_ path: String) -> Bool {
        var isDirectory = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory
    }
}

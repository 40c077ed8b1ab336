import Common
import FoundationEssentials
import Postgres

/// The whole `migrate` executable except reading the process state: `main.swift` passes the
/// arguments and environment and exits with the returned code.
public enum MigrateProgram {
    public static func run(arguments: [String], environment: [String: String],
                           output: @escaping @Sendable (String) -> Void = { print($0) },
                           logSink: LogSink? = nil) async -> ExitCode {
        let command: MigrateCommand
        do {
            command = try MigrateCommand.parse(arguments)
        } catch {
            writeToStandardError("migrate: \(error)\nRun 'migrate --help' for usage.\n")
            return .usage
        }
        if command == .help {
            output(MigrateCommand.helpText)
            return .success
        }

        let env = Environment(environment)
        let configuration: MigrateConfiguration
        let files: [MigrationFile]
        do {
            configuration = try MigrateConfiguration.load(env)
            files = try MigrationDirectory.load(configuration.migrationsDirectory)
        } catch {
            let sink = logSink ?? .standardError(
                minimumLevel: (try? env.choice("LOG_LEVEL", default: LogLevel.info)) ?? .info,
                format: (try? env.choice("LOG_FORMAT", default: LogFormat.text)) ?? .text)
            Logger(label: "migrate", sink: sink).error("invalid configuration; nothing was done", ["error": error.description])
            return .usage
        }
        let logger = Logger(label: "migrate", sink: logSink ?? .standardError(minimumLevel: configuration.logLevel, format: configuration.logFormat))
            .with(["db.target": configuration.database.description, "migrations.dir": configuration.migrationsDirectory])

        let connection = PostgresConnection(config: configuration.database, logger: logger)
        let migrator = SchemaMigrator(connection: connection, files: files, logger: logger)
        do {
            try await connection.connect()
        } catch {
            logger.error("cannot reach the database; nothing was done", ["error": error.description])
            return .failure
        }

        do {
            switch command {
            case .up(dryRun: false):
                try await migrator.migrate()
                return .success
            case .up(dryRun: true):
                let plan = try await migrator.plan()
                output(MigrationReportText.dryRun(plan))
                return plan.problems.isEmpty ? .success : .failure
            case .status:
                let plan = try await migrator.plan()
                output(MigrationReportText.status(plan))
                return plan.problems.isEmpty ? .success : .failure
            case .help:
                return .success
            }
        } catch {
            logger.error("migration stopped", ["error": error.description])
            return .failure
        }
    }
}

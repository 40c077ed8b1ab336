/// The command line of `migrate`, parsed. Pure.
public enum MigrateCommand: Sendable, Equatable {
    case up(dryRun: Bool)
    case status
    case help

    /// Bad usage: an unknown command or flag. `migrate` prints it with a pointer to `--help` and exits 2.
    public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// `[]` and `up` → up; `up --dry-run`; `status`; `help`, `--help`, `-h` anywhere → help.
    public static func parse(_ arguments: [String]) throws(UsageError) -> MigrateCommand {
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" || $0 == "help" }) { return .help }
        var command: String?
        var dryRun = false
        for argument in arguments {
            if argument == "--dry-run" {
                dryRun = true
            } else if argument.hasPrefix("-") {
                throw UsageError(description: "unknown option \(argument)")
            } else if command == nil {
                command = argument
            } else {
                throw UsageError(description: "unexpected argument \(argument) after \(command!)")
            }
        }
        switch command ?? "up" {
        case "up":
            return .up(dryRun: dryRun)
        case "status":
            if dryRun { throw UsageError(description: "--dry-run goes with up (migrate up --dry-run); status changes nothing anyway") }
            return .status
        case let other:
            throw UsageError(description: "unknown command \(other); the commands are up (the default) and status")
        }
    }

    public static let helpText = """
        migrate: brings the tenant-provisioner database schema up to date.

        It applies the SQL files of MIGRATIONS_DIR, named NNNN_description.sql, in version order.
        Each file runs in its own transaction and is recorded in the table schema_migrations with
        its sha256 checksum, so it is applied exactly once. An advisory lock makes concurrent runs
        wait for each other: the second one then finds nothing to do. Run it before starting the
        provisioner (as a Kubernetes Job); the provisioner waits until the schema is current.

        Usage:
          migrate [up]             apply every pending migration (the default command)
          migrate up --dry-run     list the migrations that would be applied; change nothing
          migrate status           list applied and pending migrations; change nothing
          migrate --help           show this text

        It stops, changing nothing more, when an applied file was edited (its checksum differs),
        when an unapplied file is numbered below the newest applied one (gaps are fine), or when
        a statement fails: the message names the file and the statement's line, and nothing of
        that file stays applied. Files applied before it stay applied. Never edit an applied
        file: add a new one. Files must not contain BEGIN/COMMIT.

        Environment:
          DATABASE_URL     libpq connection URI or key=value string, e.g.
                           postgresql://user:password@host:5432/dbname or "host=db dbname=app user=app".
                           When unset, libpq's PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, ...
                           are used. The password is never printed.
          MIGRATIONS_DIR   directory of the .sql files; default /migrations if it exists,
                           else ./migrations. Files not ending in .sql are ignored.
          LOG_LEVEL        debug, info (default), warning or error
          LOG_FORMAT       text (default) or json; logs go to standard error

        Exit codes:
          0  success (also when there was nothing to apply)
          1  runtime failure: database unreachable, a changed or out-of-order file, a failing
             statement (status and --dry-run also exit 1 when they find a changed or out-of-order file)
          2  bad usage or configuration: unknown command or option, malformed DATABASE_URL,
             MIGRATIONS_DIR missing, a .sql file not named NNNN_description.sql
        """
}

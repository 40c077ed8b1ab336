import ArgumentParser
import Common
import Foundation

/// `tenants`: the admin side. `tenants serve` is the HTTP API; the other subcommands are the CLI.
/// Both talk to PostgreSQL only: this program links no Kubernetes client, so a breach of the
/// admin side is never a cluster breach.
@main
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants",
        abstract: "Manage tenants (rows of the accounts table) with database access only.",
        discussion: "Every command reads DATABASE_URL (or libpq's PG* variables). Writes are one transaction each, "
            + "with an audit_log row naming the actor. Exit codes: 0 success, 1 runtime failure (database unavailable, "
            + "no such account, a conflict), 2 bad usage or configuration.",
        subcommands: [Serve.self, ListAccounts.self, Add.self, Show.self, Activate.self, Deactivate.self, Delete.self,
                      Failures.self, Audit.self, PrintOpenAPI.self])

    /// Runs the command; maps every failure to the exit codes of the other executables (usage
    /// errors are 2, not ArgumentParser's 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data("tenants: \(failure.message)\n".utf8))
            Foundation.exit(failure.code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure ? Common.ExitCode.usage.rawValue : code.rawValue)
        }
    }
}

/// A failure the CLI reports in one line, with its exit code.
struct CLIFailure: Error {
    let message: String
    let code: Common.ExitCode
}

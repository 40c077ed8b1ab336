import ArgumentParser
import Common
import Foundation
import Postgres
import TenantAdmin

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false
}

struct ActorOptions: ParsableArguments {
    @Option(help: "The name written as audit_log.actor (default: cli:$USER).")
    var actor: String?

    var name: String { actor ?? "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "unknown") }
}

/// The database of a CLI command: DATABASE_URL (or PG* variables), one connection.
enum CLIDatabase {
    static func run<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let config: PostgresConfig
        do {
            config = try PostgresConfig(connectionString: ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "", applicationName: "tenants")
        } catch {
            throw CLIFailure(message: "configuration error: \(error.description)", code: .usage)
        }
        let connection = PostgresConnection(config: config)
        defer { Task { await connection.close() } }
        do {
            return try await body(connection)
        } catch let error as AdminError {
            if case .invalid = error { throw CLIFailure(message: error.description, code: .usage) }
            throw CLIFailure(message: error.description, code: .failure)
        }
    }
}

/// Plain aligned columns for a terminal; values are shown as they are, nulls as "-".
enum TextTable {
    static func render(_ headers: [String], _ rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    /// A JSON value as a table cell.
    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: "-"
        case .string(let s)?: s.replacingOccurrences(of: "\n", with: "⏎")
        case .bool(let b)?: b ? "yes" : "no"
        case .integer(let i)?: String(i)
        case let other?: other.canonicalJSON
        }
    }
}

func printJSON(_ value: JSONValue) {
    print(value.canonicalJSON)
}

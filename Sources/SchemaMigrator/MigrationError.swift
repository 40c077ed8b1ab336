import Postgres

/// Why a `migrate` run stopped. Every case names the file concerned; `up` exits 1 for all of them.
public enum MigrationError: Error, Sendable, CustomStringConvertible {
    /// Changed or out-of-order files; nothing was applied.
    case problems([MigrationProblem])
    /// A statement (or the commit) of a file failed; that file's transaction was rolled back.
    case statementFailed(fileName: String, line: Int?, error: PostgresError)
    /// A file contains BEGIN / COMMIT / ROLLBACK, which would break the one-transaction-per-file rule.
    case transactionControl(fileName: String, line: Int, keyword: String)
    /// The database could not be reached or a bookkeeping query failed.
    case database(PostgresError)

    public var description: String {
        switch self {
        case .problems(let problems):
            return problems.map(\.description).joined(separator: "\n")
        case .statementFailed(let fileName, let line, let error):
            let place = line.map { "\(fileName) line \($0)" } ?? "\(fileName) (at commit)"
            var text = "\(place): "
            if let sqlState = error.sqlState { text += "[\(sqlState)] " }
            text += error.message
            if let detail = error.detail { text += "; detail: \(detail)" }
            if let hint = error.hint { text += "; hint: \(hint)" }
            return text + "; nothing of \(fileName) was applied (its transaction was rolled back)"
        case .transactionControl(let fileName, let line, let keyword):
            return "\(fileName) line \(line): \(keyword) is not allowed in a migration file; migrate runs each file in its own transaction"
        case .database(let error):
            return error.description
        }
    }
}

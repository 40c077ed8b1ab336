import Common
import Postgres

/// Why an admin operation did not happen. Each maps to one HTTP status and one CLI exit code.
public enum AdminError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 422: the request is not valid (field → problem).
    case invalid(FieldErrors)
    /// 404
    case notFound(String)
    /// 409: an account with this id exists.
    case alreadyExists(String)
    /// 412: `If-Match` named another generation than the row's.
    case stale(accountID: String, current: Int64)
    /// 503: the database cannot be reached or refused the statement for a reason of its own.
    case unavailable(String)

    public var description: String {
        switch self {
        case .invalid(let errors): "invalid request: \(errors.description)"
        case .notFound(let what): what
        case .alreadyExists(let id): "an account with the id \(JSONText.quote(id)) already exists"
        case .stale(let id, let current):
            "the account \(JSONText.quote(id)) changed meanwhile: its generation is now \(current); read it again and retry with If-Match: \"\(current)\""
        case .unavailable(let why): "the database is unavailable: \(why)"
        }
    }

    /// A database failure as the caller should see it: a violated CHECK (a rule the API also
    /// checks, so only reached through a race or a newer constraint) is the caller's fault.
    static func from(_ error: PostgresError) -> AdminError {
        // Class 23 (a violated CHECK or NOT NULL) and class 22 (data PostgreSQL cannot store,
        // such as a NUL in text): the request's values, not the database, are at fault.
        if let state = error.sqlState, state.hasPrefix("23") || state.hasPrefix("22") {
            return .invalid(FieldErrors([error.constraint ?? "body": "cannot be stored: \(error.message)"]))
        }
        return .unavailable(error.description)
    }
}

/// A failure talking to PostgreSQL. `description` is safe to log: it never contains a password
/// (every message that comes from libpq is scrubbed of the connection's secrets first).
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The connection string is malformed. Executables report it as a configuration error.
        case configuration
        /// Connecting failed, or the connection broke. The next call reconnects.
        case connection
        /// The server rejected a statement; the connection is still usable.
        case query
        /// A column value could not be read as the requested Swift type.
        case decoding
    }

    public var kind: Kind
    /// The five-character SQLSTATE (`23505` unique violation, `42601` syntax error, ...), when the server sent one.
    public var sqlState: String?
    /// The server's primary message, or libpq's / ours when the server sent nothing.
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character offset of the error in the statement text, for errors the parser can place.
    public var position: Int?
    /// The constraint that was violated, for integrity errors.
    public var constraint: String?

    public init(kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil, position: Int? = nil, constraint: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.position = position
        self.constraint = constraint
    }

    /// True for SQLSTATE 23505, e.g. a second insert of the same key.
    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        var text: String
        switch kind {
        case .configuration: text = "invalid database connection settings: "
        case .connection: text = "database connection failed: "
        case .query: text = "query failed: "
        case .decoding: text = "cannot read query result: "
        }
        if let sqlState { text += "[\(sqlState)] " }
        text += message
        if let position { text += " (at character \(position))" }
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        return text
    }

    static func decoding(_ message: String) -> PostgresError {
        PostgresError(kind: .decoding, message: message)
    }
}

/// One result column: its name and type OID (`pg_type.oid`).
public struct PostgresColumn: Sendable, Equatable {
    public let name: String
    public let typeOID: UInt32
}

/// One row of a result, values in PostgreSQL's text format (NULL is nil). Read typed values with
/// `decode`: `try row.decode("account_id", as: String.self)`, `try row.decode("next_restart_at", as: Date?.self)`.
public struct PostgresRow: Sendable {
    public let columns: [PostgresColumn]
    /// The raw text of each value, in column order; nil is SQL NULL. For jsonb this is the JSON text.
    public let values: [String?]
    private let indexByName: [String: Int]

    init(columns: [PostgresColumn], indexByName: [String: Int], values: [String?]) {
        self.columns = columns
        self.indexByName = indexByName
        self.values = values
    }

    /// The value of the named column as `T`. NULL decodes only into an Optional.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let index = indexByName[column] else {
            throw .decoding("the result has no column \"\(column)\"; it has: \(columns.map(\.name).joined(separator: ", "))")
        }
        return try decode(index, as: type)
    }

    /// The value of the column at `index` (0-based) as `T`.
    public func decode<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard columns.indices.contains(index) else {
            throw .decoding("the result has \(columns.count) columns; there is no column \(index)")
        }
        guard let text = values[index] else { return try T.decodeNull(column: columns[index]) }
        return try T.decode(text, column: columns[index])
    }

    /// True when the named column is SQL NULL (or absent).
    public func isNull(_ column: String) -> Bool {
        guard let index = indexByName[column] else { return true }
        return values[index] == nil
    }
}

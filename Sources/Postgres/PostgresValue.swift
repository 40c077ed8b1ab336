import Common
import FoundationEssentials

/// A query parameter. Values travel separately from the SQL text (`$1`, `$2`, ...) in libpq's
/// text format with an explicit type, so nothing a user typed is ever parsed as SQL.
/// `nil` in a parameter list is SQL NULL of whatever type the statement expects.
///
/// The array cases exist for set-based batch writes of many rows in one statement, e.g.
/// `INSERT ... SELECT * FROM unnest($1::text[], $2::bigint[]) ... ON CONFLICT ... DO UPDATE`.
public enum PostgresValue: Sendable, Equatable {
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case timestamp(Date)
    /// A JSON document sent as `jsonb`.
    case jsonb(JSONValue)
    /// JSON text sent as `jsonb` unchanged (the server validates it).
    case jsonbText(String)
    case textArray([String?])
    case intArray([Int64?])
    case boolArray([Bool?])
    case timestampArray([Date?])
    case jsonbArray([JSONValue?])

    /// PostgreSQL type OIDs (`pg_type.oid`), fixed since forever: see `src/include/catalog/pg_type.dat`.
    var typeOID: UInt32 {
        switch self {
        case .text: 25
        case .int: 20
        case .double: 701
        case .bool: 16
        case .timestamp: 1184
        case .jsonb, .jsonbText: 3802
        case .textArray: 1009
        case .intArray: 1016
        case .boolArray: 1000
        case .timestampArray: 1185
        case .jsonbArray: 3807
        }
    }

    /// The value in PostgreSQL's text input format.
    var textEncoding: String {
        switch self {
        case .text(let s): s
        case .int(let i): String(i)
        case .double(let d): Self.encode(d)
        case .bool(let b): b ? "t" : "f"
        case .timestamp(let date): Timestamp.rfc3339Micros(date)
        case .jsonb(let json): json.canonicalJSON
        case .jsonbText(let text): text
        case .textArray(let items): Self.arrayLiteral(items)
        case .intArray(let items): Self.arrayLiteral(items.map { $0.map { String($0) } })
        case .boolArray(let items): Self.arrayLiteral(items.map { $0.map { $0 ? "t" : "f" } })
        case .timestampArray(let items): Self.arrayLiteral(items.map { $0.map(Timestamp.rfc3339Micros) })
        case .jsonbArray(let items): Self.arrayLiteral(items.map { $0?.canonicalJSON })
        }
    }

    private static func encode(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return "\(d)"
    }

    /// `{"a","b\"c",NULL}`: every element quoted, so commas, braces, spaces and the word NULL
    /// inside a value stay data. See https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
    static func arrayLiteral(_ items: [String?]) -> String {
        var out = "{"
        for (index, item) in items.enumerated() {
            if index > 0 { out += "," }
            guard let item else { out += "NULL"; continue }
            out += "\""
            for c in item.unicodeScalars {
                if c == "\"" || c == "\\" { out += "\\" }
                out.unicodeScalars.append(c)
            }
            out += "\""
        }
        return out + "}"
    }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
}

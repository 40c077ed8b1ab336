import Common
import FoundationEssentials

/// A Swift type a column's text-format value can be read as.
public protocol PostgresDecodable: Sendable {
    static func decode(_ text: String, column: PostgresColumn) throws(PostgresError) -> Self
    /// What SQL NULL becomes; an error except for Optional.
    static func decodeNull(column: PostgresColumn) throws(PostgresError) -> Self
}

extension PostgresDecodable {
    public static func decodeNull(column: PostgresColumn) throws(PostgresError) -> Self {
        throw .decoding("column \"\(column.name)\" is NULL; read it as \(Self.self)? to accept NULL")
    }

    static func mismatch(_ text: String, _ column: PostgresColumn) -> PostgresError {
        let shown = text.count > 60 ? String(text.prefix(60)) + "..." : text
        return .decoding("column \"\(column.name)\" (type oid \(column.typeOID)) value \(JSONText.quote(shown)) is not a valid \(Self.self)")
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws(PostgresError) -> Wrapped? {
        try Wrapped.decode(text, column: column)
    }

    public static func decodeNull(column: PostgresColumn) throws(PostgresError) -> Wrapped? { nil }
}

/// Any column as its text: text, varchar, and also jsonb (the raw JSON text), numbers, timestamps.
extension String: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws(PostgresError) -> String { text }
}

extension Int64: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws(PostgresError) -> Int64 {
        guard let value = Int64(text) else { throw mismatch(text, column) }
        return value
    }
}

extension Int: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws(PostgresError) -> Int {
        guard let value = Int(text) else { throw mismatch(text, column) }
        return value
    }
}

extension Int32: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws(PostgresError) -> Int32 {
        guard let value = Int32(text) else { throw mismatch(text, column) }
        return value
    }
}

extension Double: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws(PostgresError) -> Double {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(text) else { throw mismatch(text, column) }
            return value
        }
    }
}

/// boolean's text format is `t` / `f`.
extension Bool: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws(PostgresError) -> Bool {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: throw mismatch(text, column)
        }
    }
}

/// timestamptz (and timestamp, taken as UTC). Sessions run with `DateStyle=ISO` and `TimeZone=UTC`,
/// so values look like `2026-01-02 03:04:05.123456+00`.
extension Date: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws(PostgresError) -> Date {
        guard let date = PostgresTimestamp.parse(text) else { throw mismatch(text, column) }
        return date
    }
}

/// json / jsonb as a document.
extension JSONValue: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws(PostgresError) -> JSONValue {
        do {
            return try JSONValue.parse(Data(text.utf8))
        } catch {
            throw mismatch(text, column)
        }
    }
}

/// PostgreSQL's ISO timestamp output into RFC 3339, which `Common.Timestamp` parses.
enum PostgresTimestamp {
    static func parse(_ text: String) -> Date? {
        var s = text
        // Offsets come as +HH, +HH:MM or +HH:MM:SS; RFC 3339 wants +HH:MM.
        if let sign = s.lastIndex(where: { $0 == "+" || $0 == "-" }), s.distance(from: s.startIndex, to: sign) > 10 {
            let offset = s[s.index(after: sign)...]
            let parts = offset.split(separator: ":")
            if parts.count == 1 {
                s += ":00"
            } else if parts.count == 3 {
                guard parts[2] == "00" else { return nil }
                s = String(s[..<s.index(sign, offsetBy: 6)])
            }
        } else if !s.hasSuffix("Z") {
            s += "Z"
        }
        return Timestamp.parse(s)
    }
}

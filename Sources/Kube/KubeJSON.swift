import Common
import FoundationEssentials

/// JSON coding the way the Kubernetes API writes it. `metav1.Time` fields are `Date` and travel as
/// RFC 3339 with seconds precision (apimachinery `pkg/apis/meta/v1/time.go` marshals with
/// `time.RFC3339`); `metav1.MicroTime` fields use the `MicroTime` type instead.
public enum KubeJSON {
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an RFC 3339 timestamp: \(text)")
            }
            return date
        }
        return d
    }

    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Timestamp.rfc3339(date))
        }
        return e
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decoder().decode(type, from: data)
    }

    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try encoder().encode(value)
    }
}

/// `metav1.MicroTime`: RFC 3339 with exactly six fractional digits (apimachinery
/// `pkg/apis/meta/v1/micro_time.go`, layout `2006-01-02T15:04:05.000000Z07:00`). Lease
/// `acquireTime`/`renewTime` and Event `eventTime` are MicroTime; a seconds-only value is
/// accepted when reading but never written.
public struct MicroTime: Codable, Sendable, Hashable, Comparable {
    public var date: Date

    public init(_ date: Date) { self.date = date }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an RFC 3339 timestamp: \(text)")
        }
        self.date = date
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Timestamp.rfc3339Micros(date))
    }

    public static func < (lhs: MicroTime, rhs: MicroTime) -> Bool { lhs.date < rhs.date }
}

import FoundationEssentials

/// One event of a watch. ERROR events never appear here: they end the stream with a thrown
/// `KubeError` (`.gone` for 410/Expired, so the caller relists).
public enum WatchEvent<Object: Decodable & Sendable>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// The server's progress mark: everything up to `resourceVersion` has been sent.
    case bookmark(resourceVersion: String)

    /// Decodes one line of a watch response.
    public static func decode(line: Data) throws(KubeError) -> WatchEvent<Object> {
        let envelope: Envelope
        do {
            envelope = try KubeJSON.decode(Envelope.self, from: line)
        } catch {
            throw .invalidResponse("undecodable watch event: \(error)")
        }
        switch envelope.decoded {
        case .event(let e): return e
        case .error(let status):
            if status.code == 410 || status.reason == "Expired" || status.reason == "Gone" {
                throw .gone(message: status.message ?? "resource version too old")
            }
            throw .api(status)
        }
    }

    private struct Envelope: Decodable {
        enum Decoded {
            case event(WatchEvent<Object>)
            case error(KubeStatus)
        }

        let decoded: Decoded

        private enum Keys: String, CodingKey { case type, object }
        private struct BookmarkObject: Decodable {
            struct Meta: Decodable { var resourceVersion: String? }
            var metadata: Meta?
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            let type = try c.decode(String.self, forKey: .type)
            switch type {
            case "ADDED": decoded = .event(.added(try c.decode(Object.self, forKey: .object)))
            case "MODIFIED": decoded = .event(.modified(try c.decode(Object.self, forKey: .object)))
            case "DELETED": decoded = .event(.deleted(try c.decode(Object.self, forKey: .object)))
            case "BOOKMARK":
                let object = try c.decode(BookmarkObject.self, forKey: .object)
                decoded = .event(.bookmark(resourceVersion: object.metadata?.resourceVersion ?? ""))
            case "ERROR": decoded = .error(try c.decode(KubeStatus.self, forKey: .object))
            default:
                throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown watch event type \(type)")
            }
        }
    }
}

/// Splits a watch body into lines as chunks arrive: a line split across chunks is reassembled,
/// and whatever follows the last newline waits for the next chunk. A connection cut in the middle
/// of a line leaves that fragment here, never decoded.
public struct WatchLineBuffer: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Appends a chunk and returns the complete, non-blank lines it finished.
    public mutating func append(_ chunk: Data) -> [Data] {
        var lines: [Data] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                if pending.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }) {
                    lines.append(Data(pending))
                }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
        return lines
    }

    /// Bytes of an unfinished line.
    public var pendingByteCount: Int { pending.count }
}

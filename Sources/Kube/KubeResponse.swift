import Common
import FoundationEssentials

/// One HTTP answer from the API server.
public struct KubeResponse: Sendable {
    public var statusCode: Int
    /// Header names lowercased, in arrival order (a name can repeat, like `warning`).
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(statusCode: Int, headers: [(name: String, value: String)], body: Data) {
        self.statusCode = statusCode
        self.headers = headers
        self.body = body
    }

    public func headerValues(_ name: String) -> [String] {
        let lower = name.lowercased()
        return headers.filter { $0.name == lower }.map(\.value)
    }

    /// `Warning` headers (`299 - "unknown field \"spec.foo\""`), the text inside the quotes.
    public var warnings: [String] {
        headerValues("warning").map(Self.warningText)
    }

    /// `Retry-After` in seconds (the API server only sends the delta-seconds form).
    public var retryAfter: Double? {
        headerValues("retry-after").first.flatMap { Double($0.trimmingSpaces()) }
    }

    public var isSuccess: Bool { (200..<300).contains(statusCode) }

    /// The error this response stands for: the decoded `Status`, or one made from the code when the
    /// body is not a Status (a proxy's HTML page, say).
    public var error: KubeError {
        var status = (try? KubeJSON.decode(KubeStatus.self, from: body)) ?? KubeStatus(code: statusCode, reason: nil, message: nil)
        if status.code == nil || status.code == 0 { status.code = statusCode }
        if status.reason == nil || status.reason?.isEmpty == true { status.reason = Self.defaultReason(statusCode) }
        if status.message == nil || status.message?.isEmpty == true {
            let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingWhitespace()
            status.message = text.isEmpty ? "HTTP \(statusCode)" : text
        }
        if statusCode == 410 { return .gone(message: status.message ?? "resource version too old") }
        return .api(status)
    }

    static func defaultReason(_ code: Int) -> String {
        switch code {
        case 400: "BadRequest"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 409: "Conflict"
        case 410: "Gone"
        case 422: "Invalid"
        case 429: "TooManyRequests"
        case 500: "InternalError"
        case 503: "ServiceUnavailable"
        case 504: "Timeout"
        default: "Unknown"
        }
    }

    /// RFC 7234 warning value: `299 - "text"`; returns `text` unescaped, or the raw value.
    static func warningText(_ value: String) -> String {
        guard let open = value.firstIndex(of: "\""), let close = value.lastIndex(of: "\""), open < close else { return value }
        let inner = value[value.index(after: open)..<close]
        var out = ""
        var escaped = false
        for ch in inner {
            if escaped { out.append(ch); escaped = false } else if ch == "\\" { escaped = true } else { out.append(ch) }
        }
        return out
    }
}

/// What went wrong talking to the API server. Descriptions never contain credentials.
public enum KubeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an error `Status` (a 4xx or 5xx other than 410).
    case api(KubeStatus)
    /// `410 Gone` / reason `Expired`: the resourceVersion or continue token is too old. Relist.
    case gone(message: String)
    /// No HTTP answer: connection refused or dropped, TLS failure, timeout. `code` is libcurl's.
    case transport(code: Int, message: String)
    /// The server answered 2xx but the body is not what we expected.
    case invalidResponse(String)
    /// The calling task was cancelled while the request was in flight.
    case cancelled

    /// The HTTP status code, when there was an answer.
    public var statusCode: Int? {
        switch self {
        case .api(let s): s.code
        case .gone: 410
        default: nil
        }
    }

    /// The `Status` reason (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, …).
    public var reason: String? {
        switch self {
        case .api(let s): s.reason
        case .gone: "Expired"
        default: nil
        }
    }

    public var isNotFound: Bool { statusCode == 404 }
    /// 409: `AlreadyExists` on create, `Conflict` on a stale update or failed precondition.
    public var isConflict: Bool { statusCode == 409 }
    public var isAlreadyExists: Bool { statusCode == 409 && reason == "AlreadyExists" }
    public var isInvalid: Bool { statusCode == 422 }
    public var isForbidden: Bool { statusCode == 403 }

    /// Worth retrying: no answer at all, 429, or a server-side 5xx. Other 4xx are terminal.
    public var isTransient: Bool {
        switch self {
        case .transport: return true
        case .api(let s):
            guard let code = s.code else { return false }
            return code == 429 || code >= 500
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .api(let s):
            let code = s.code.map(String.init) ?? "?"
            return "Kubernetes API error \(code) \(s.reason ?? "Unknown"): \(s.message ?? "(no message)")"
        case .gone(let message):
            return "Kubernetes API 410 Gone: \(message) (the watch or list must start again from a fresh list)"
        case .transport(let code, let message):
            return "cannot reach the Kubernetes API server (libcurl error \(code)): \(message)"
        case .invalidResponse(let what):
            return "unexpected response from the Kubernetes API server: \(what)"
        case .cancelled:
            return "Kubernetes API request cancelled"
        }
    }
}

/// The API's `Status` object (`kind: Status`), the body of every error response and of a watch
/// ERROR event. Named `KubeStatus` so it never collides with the many other "status" types.
public struct KubeStatus: Codable, Sendable, Equatable {
    public var status: String?
    public var message: String?
    /// Machine-readable: `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `Expired`, `Gone`, …
    public var reason: String?
    public var code: Int?
    public var details: Details?

    public struct Details: Codable, Sendable, Equatable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var uid: String?
        public var causes: [Cause]?
        public var retryAfterSeconds: Int?
    }

    public struct Cause: Codable, Sendable, Equatable {
        public var reason: String?
        public var message: String?
        public var field: String?
    }

    public init(code: Int, reason: String?, message: String?) {
        self.status = "Failure"
        self.code = code
        self.reason = reason
        self.message = message
    }
}

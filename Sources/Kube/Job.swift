import FoundationEssentials

/// A `batch/v1` Job: metadata and status. The spec is not modelled; manifests travel as
/// `JSONValue` so that every field of a template reaches the server unchanged.
public struct Job: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var status: JobStatus?

    public init(metadata: ObjectMeta, status: JobStatus? = nil) {
        self.apiVersion = "batch/v1"
        self.kind = "Job"
        self.metadata = metadata
        self.status = status
    }
}

public struct JobStatus: Codable, Sendable, Equatable {
    public var conditions: [JobCondition]?
    public var active: Int32?
    public var succeeded: Int32?
    public var failed: Int32?
    public var startTime: Date?
    public var completionTime: Date?

    public init(conditions: [JobCondition]? = nil, active: Int32? = nil, succeeded: Int32? = nil, failed: Int32? = nil) {
        self.conditions = conditions
        self.active = active
        self.succeeded = succeeded
        self.failed = failed
    }
}

/// A Job condition (`Complete`, `Failed`, `SuccessCriteriaMet`, `FailureTarget`, `Suspended`).
/// `status` is the string `"True"`, `"False"` or `"Unknown"`, as the API sends it.
public struct JobCondition: Codable, Sendable, Equatable {
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastTransitionTime: Date?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: Date? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }

    public var isTrue: Bool { status == "True" }
}

extension Job {
    /// The condition of `type` whose status is `True`, if any (a Job is failed when `Failed` is True).
    public func trueCondition(_ type: String) -> JobCondition? {
        status?.conditions?.first { $0.type == type && $0.isTrue }
    }
}

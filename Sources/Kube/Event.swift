import FoundationEssentials

/// A core `v1` Event, the kind `kubectl describe` shows under the object it is about.
public struct Event: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    public var reason: String?
    public var message: String?
    /// `Normal` or `Warning`.
    public var type: String?
    public var source: EventSource?
    public var firstTimestamp: Date?
    public var lastTimestamp: Date?
    public var count: Int32?
    public var action: String?
    public var reportingComponent: String?
    public var reportingInstance: String?
    public var eventTime: MicroTime?

    public init(metadata: ObjectMeta, involvedObject: ObjectReference, reason: String, message: String, type: String = "Normal",
                component: String, instance: String? = nil, at time: Date) {
        self.apiVersion = "v1"
        self.kind = "Event"
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
        self.source = EventSource(component: component, host: nil)
        self.firstTimestamp = time
        self.lastTimestamp = time
        self.count = 1
        self.reportingComponent = component
        self.reportingInstance = instance
    }
}

/// `v1.ObjectReference`: the object an Event is about.
public struct ObjectReference: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?

    public init(apiVersion: String? = nil, kind: String? = nil, name: String? = nil, namespace: String? = nil, uid: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.uid = uid
    }
}

public struct EventSource: Codable, Sendable, Equatable {
    public var component: String?
    public var host: String?
}

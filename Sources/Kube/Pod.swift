import FoundationEssentials

/// A `v1` Pod: what the restart logic reads to explain a failure.
public struct Pod: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?
}

/// The part of a pod's spec the restart logic reads: which init containers are native sidecars.
public struct PodSpec: Codable, Sendable, Equatable {
    public var initContainers: [ContainerSpec]?
    public var containers: [ContainerSpec]?
}

public struct ContainerSpec: Codable, Sendable, Equatable {
    public var name: String
    /// `Always` on an init container makes it a native sidecar (Kubernetes 1.29+).
    public var restartPolicy: String?
}

public struct PodStatus: Codable, Sendable, Equatable {
    /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
    public var phase: String?
    /// Set for pod-level failures such as `Evicted`.
    public var reason: String?
    public var message: String?
    public var startTime: Date?
    public var containerStatuses: [ContainerStatus]?
    public var initContainerStatuses: [ContainerStatus]?
}

public struct ContainerStatus: Codable, Sendable, Equatable {
    public var name: String
    public var state: ContainerState?
    public var lastState: ContainerState?
    public var ready: Bool?
    public var restartCount: Int32?
}

/// One of `waiting`, `running`, `terminated` is set.
public struct ContainerState: Codable, Sendable, Equatable {
    public var waiting: ContainerStateWaiting?
    public var running: ContainerStateRunning?
    public var terminated: ContainerStateTerminated?
}

public struct ContainerStateWaiting: Codable, Sendable, Equatable {
    public var reason: String?
    public var message: String?
}

public struct ContainerStateRunning: Codable, Sendable, Equatable {
    public var startedAt: Date?
}

public struct ContainerStateTerminated: Codable, Sendable, Equatable {
    public var exitCode: Int32
    public var signal: Int32?
    /// `OOMKilled`, `Error`, `Completed`, `ContainerCannotRun`, …
    public var reason: String?
    public var message: String?
    public var startedAt: Date?
    public var finishedAt: Date?
}

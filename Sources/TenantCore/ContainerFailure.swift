import FoundationEssentials

/// A container's terminated state (`state.terminated` or `lastState.terminated`).
public struct ContainerTermination: Sendable, Equatable {
    public var exitCode: Int32
    public var reason: String?
    public var message: String?
    public var finishedAt: Date?

    public init(exitCode: Int32, reason: String? = nil, message: String? = nil, finishedAt: Date? = nil) {
        self.exitCode = exitCode
        self.reason = reason
        self.message = message
        self.finishedAt = finishedAt
    }
}

/// What the runtime maps from a Pod's container status.
public struct ContainerObservation: Sendable, Equatable {
    public var name: String
    /// `state.terminated`.
    public var terminated: ContainerTermination?
    /// `lastState.terminated`: the failure before a restart under `restartPolicy: OnFailure`.
    public var lastTerminated: ContainerTermination?
    /// A native sidecar (an init container with `restartPolicy: Always`): the kubelet stops it
    /// once the main containers are done, so how it ended says nothing about the Job.
    public var isSidecar: Bool

    public init(name: String, terminated: ContainerTermination? = nil, lastTerminated: ContainerTermination? = nil, isSidecar: Bool = false) {
        self.name = name
        self.terminated = terminated
        self.lastTerminated = lastTerminated
        self.isSidecar = isSidecar
    }
}

/// What the runtime maps from one Pod of a failed Job.
public struct PodObservation: Sendable, Equatable {
    public var name: String
    /// `status.phase` (`Failed`, `Succeeded`, `Running`, …).
    public var phase: String?
    /// `status.reason` / `status.message`: `Evicted`, `DeadlineExceeded`, `Shutdown`, …
    public var reason: String?
    public var message: String?
    public var initContainers: [ContainerObservation]
    public var containers: [ContainerObservation]

    public init(name: String, phase: String? = nil, reason: String? = nil, message: String? = nil,
                initContainers: [ContainerObservation] = [], containers: [ContainerObservation] = []) {
        self.name = name
        self.phase = phase
        self.reason = reason
        self.message = message
        self.initContainers = initContainers
        self.containers = containers
    }
}

/// One `job_failures` row (without the log tail, which the runtime fetches for rows with a
/// container). Unique on (Job uid, pod, container).
public struct ContainerFailure: Sendable, Equatable {
    public var podName: String?
    public var containerName: String?
    public var exitCode: Int32?
    /// `OOMKilled`, `Error`, `Evicted`, `DeadlineExceeded`, `BackoffLimitExceeded`, …
    public var reason: String
    public var message: String?
    public var finishedAt: Date?
    /// The failure is the container's previous instance (`lastState.terminated`: it was restarted
    /// in place under `restartPolicy: OnFailure`), so its log is `pods/log?previous=true`.
    public var previousInstance: Bool
    /// The last `LOG_TAIL_LINES` lines of that container's log (at most 64 KiB), filled in by the
    /// runtime; nil when there is no container or its log could not be read.
    public var logTail: String?

    public init(podName: String?, containerName: String?, exitCode: Int32?, reason: String, message: String?, finishedAt: Date? = nil,
                previousInstance: Bool = false, logTail: String? = nil) {
        self.podName = podName
        self.containerName = containerName
        self.exitCode = exitCode
        self.reason = reason
        self.message = message
        self.finishedAt = finishedAt
        self.previousInstance = previousInstance
        self.logTail = logTail
    }

    public var isOOMKilled: Bool { reason == "OOMKilled" }

    /// `job_failures.log_tail` holds at most this many bytes (a CHECK in migration 0003).
    public static let logTailLimit = 65536

    /// The end of `log` that fits in `logTailLimit` bytes, cut at a line start when one is
    /// inside the limit (else at a character boundary), so the last lines are what is kept.
    public static func tail(of log: String, limit: Int = logTailLimit) -> String {
        let bytes = Array(log.utf8)
        guard bytes.count > limit else { return log }
        var start = bytes.count - limit
        // Never start inside a UTF-8 sequence (continuation bytes are 10xxxxxx).
        while start < bytes.count, bytes[start] & 0xC0 == 0x80 { start += 1 }
        if let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")), newline + 1 < bytes.count {
            start = newline + 1
        }
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    /// The failed containers of a failed Job's pods, in pod name order, init containers first.
    ///
    /// - Native sidecars are left out (stopped by the kubelet, not failed).
    /// - A container whose `state.terminated` (else `lastState.terminated`) has a non-zero exit
    ///   code is a row; no reason means `Error`. `ContainerStatusUnknown` (the kubelet lost the
    ///   container, as on eviction) takes the pod's reason when the pod has one.
    /// - A Failed pod with no such container (evicted before its containers reported) is one row
    ///   with the pod's reason (`Evicted`) and no container.
    /// - No row at all (the Job failed with no pod to show, e.g. `DeadlineExceeded` before any
    ///   pod ran) gives one row without pod and container and the Job condition's reason.
    public static func summarize(pods: [PodObservation], jobConditionReason: String?, jobConditionMessage: String?) -> [ContainerFailure] {
        var rows: [ContainerFailure] = []
        for pod in pods.sorted(by: { $0.name < $1.name }) {
            var podRows: [ContainerFailure] = []
            for container in pod.initContainers + pod.containers where !container.isSidecar {
                guard let (termination, previous) = failedTermination(container) else { continue }
                var reason = termination.reason ?? "Error"
                var message = termination.message
                if reason == "ContainerStatusUnknown", let podReason = pod.reason {
                    reason = podReason
                    message = message ?? pod.message
                }
                podRows.append(ContainerFailure(podName: pod.name, containerName: container.name, exitCode: termination.exitCode,
                                                reason: reason, message: message, finishedAt: termination.finishedAt, previousInstance: previous))
            }
            if podRows.isEmpty && pod.phase == "Failed" {
                podRows.append(ContainerFailure(podName: pod.name, containerName: nil, exitCode: nil, reason: pod.reason ?? "Failed", message: pod.message))
            }
            rows += podRows
        }
        if rows.isEmpty {
            rows.append(ContainerFailure(podName: nil, containerName: nil, exitCode: nil, reason: jobConditionReason ?? "Failed", message: jobConditionMessage))
        }
        return rows
    }

    /// The failed termination and whether it is the previous instance's.
    private static func failedTermination(_ container: ContainerObservation) -> (ContainerTermination, Bool)? {
        if let terminated = container.terminated, terminated.exitCode != 0 { return (terminated, false) }
        if let last = container.lastTerminated, last.exitCode != 0 { return (last, true) }
        return nil
    }

    /// The failure that explains the Job, for the status message, the Event and the log line: the
    /// container that failed first (a sidecar killed when its pod was torn down failed later than
    /// the worker that brought the pod down), else the first row.
    public static func primary(of rows: [ContainerFailure]) -> ContainerFailure? {
        rows.enumerated().min { a, b in
            switch (a.element.finishedAt, b.element.finishedAt) {
            case let (x?, y?) where x != y: x < y
            case (.some, nil): true
            case (nil, .some): false
            default: a.offset < b.offset
            }
        }?.element
    }
}

import Foundation

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

    public init(name: String, terminated: ContainerTermination? = nil, lastTerminated: ContainerTermination? = nil) {
        self.name = name
        self.terminated = terminated
        self.lastTerminated = lastTerminated
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

    public init(podName: String?, containerName: String?, exitCode: Int32?, reason: String, message: String?, finishedAt: Date? = nil) {
        self.podName = podName
        self.containerName = containerName
        self.exitCode = exitCode
        self.reason = reason
        self.message = message
        self.finishedAt = finishedAt
    }

    public var isOOMKilled: Bool { reason == "OOMKilled" }

    /// The failed containers of a failed Job's pods, in pod name order, init containers first.
    ///
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
            for container in pod.initContainers + pod.containers {
                guard let termination = failedTermination(container) else { continue }
                var reason = termination.reason ?? "Error"
                var message = termination.message
                if reason == "ContainerStatusUnknown", let podReason = pod.reason {
                    reason = podReason
                    message = message ?? pod.message
                }
                podRows.append(ContainerFailure(podName: pod.name, containerName: container.name, exitCode: termination.exitCode,
                                                reason: reason, message: message, finishedAt: termination.finishedAt))
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

    private static func failedTermination(_ container: ContainerObservation) -> ContainerTermination? {
        if let terminated = container.terminated, terminated.exitCode != 0 { return terminated }
        if let last = container.lastTerminated, last.exitCode != 0 { return last }
        return nil
    }
}

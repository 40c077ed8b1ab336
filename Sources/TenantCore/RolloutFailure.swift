import FoundationEssentials

/// One container of a Deployment's pod, as a crash loop shows it.
public struct ContainerRestarts: Sendable, Equatable {
    public var pod: String
    public var container: String
    public var restartCount: Int
    /// `lastState.terminated`: why the previous run ended.
    public var lastReason: String?
    public var lastExitCode: Int32?
    /// `state.waiting.reason`, e.g. `CrashLoopBackOff`, `ImagePullBackOff`.
    public var waitingReason: String?

    public init(pod: String, container: String, restartCount: Int, lastReason: String? = nil, lastExitCode: Int32? = nil, waitingReason: String? = nil) {
        self.pod = pod
        self.container = container
        self.restartCount = restartCount
        self.lastReason = lastReason
        self.lastExitCode = lastExitCode
        self.waitingReason = waitingReason
    }
}

/// A Deployment whose `Progressing` condition turned False (`ProgressDeadlineExceeded`): no
/// restart logic (Kubernetes restarts its pods), but the account's row says so, with what its
/// containers did (restart counts, last termination), once per failure.
public enum RolloutFailure {
    /// Whether the row already records this failure of `object` (failed at `failedAt`).
    public static func isRecorded(_ object: ObservedJob, failedAt: Date, status: AccountStatus?) -> Bool {
        guard let status, status.phase == .failed, status.jobUID == object.uid, let last = status.lastFailureAt else { return false }
        return last >= failedAt - AccountStatus.timestampSlack
    }

    /// `account_status.message`: the condition, then the containers that restarted or wait, the
    /// most restarted first (at most `shown`).
    public static func message(_ object: ObservedJob, containers: [ContainerRestarts], shown: Int = 3) -> String {
        var text = "Deployment \(object.name) is not progressing (condition Progressing False"
        if let reason = object.failedReason { text += ", reason \(reason)" }
        text += ")"
        if let message = object.failedMessage, !message.isEmpty { text += ": \(message)" }
        let troubled = containers.filter { $0.restartCount > 0 || $0.waitingReason != nil }
            .sorted { ($0.restartCount, $1.pod, $1.container) > ($1.restartCount, $0.pod, $0.container) }
        for container in troubled.prefix(shown) {
            var line = "; container \(container.container) of pod \(container.pod) restarted \(container.restartCount) time\(container.restartCount == 1 ? "" : "s")"
            if container.lastReason != nil || container.lastExitCode != nil {
                line += ", last terminated"
                if let reason = container.lastReason { line += " \(reason)" }
                if let code = container.lastExitCode { line += " (exit code \(code))" }
            }
            if let waiting = container.waitingReason { line += ", now \(waiting)" }
            text += line
        }
        if troubled.count > shown { text += "; and \(troubled.count - shown) more" }
        return text
    }
}

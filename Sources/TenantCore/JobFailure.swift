import Common
import FoundationEssentials

/// A failed Job as the restart logic saw it: its `Failed` condition and one row per failed
/// container (`ContainerFailure.summarize`, log tails filled in by the runtime).
public struct JobFailure: Sendable, Equatable {
    /// nil for a Job of the standalone restarter, which has no account.
    public var accountID: String?
    public var namespace: String
    public var jobName: String
    public var jobUID: String
    /// The `Failed` condition's lastTransitionTime: restart delays count from here.
    public var failedAt: Date
    public var conditionReason: String?
    public var conditionMessage: String?
    public var rows: [ContainerFailure]

    public init(accountID: String?, namespace: String, jobName: String, jobUID: String, failedAt: Date,
                conditionReason: String?, conditionMessage: String?, rows: [ContainerFailure]) {
        self.accountID = accountID
        self.namespace = namespace
        self.jobName = jobName
        self.jobUID = jobUID
        self.failedAt = failedAt
        self.conditionReason = conditionReason
        self.conditionMessage = conditionMessage
        self.rows = rows
    }

    public var isOOMKilled: Bool { rows.contains(where: \.isOOMKilled) }

    /// The row that explains the failure (see `ContainerFailure.primary`).
    public var primary: ContainerFailure? { ContainerFailure.primary(of: rows) }

    /// The reason counted in `job_failures_total{reason}` and shown first: the primary row's.
    public var reason: String { primary?.reason ?? conditionReason ?? "Failed" }

    /// One line for people: what failed, with the exit code and where.
    public var summary: String {
        guard let row = primary else { return "Job failed" }
        var text: String
        switch (row.containerName, row.podName) {
        case (let container?, let pod?):
            text = "container \(container) of pod \(pod) "
            text += row.exitCode.map { "exited with code \($0) (\(row.reason))" } ?? "failed (\(row.reason))"
        case (nil, let pod?):
            text = "pod \(pod) failed (\(row.reason))"
        default:
            text = "Job failed (\(row.reason))"
        }
        if let message = row.message?.trimmingWhitespace(), !message.isEmpty {
            text += ": " + String(message.prefix(200))
        }
        let others = rows.count - 1
        if others > 0 { text += "; \(others) more failed container\(others == 1 ? "" : "s")" }
        return text
    }

    /// The last non-empty line of the primary row's log tail, for the one log line of a failure.
    public var lastLogLine: String? {
        guard let tail = primary?.logTail ?? rows.first(where: { $0.logTail != nil })?.logTail else { return nil }
        return tail.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) }.map { String($0.prefix(300)) }
    }
}

/// `OOM_MEMORY_FACTOR` / `OOM_MEMORY_MAX`: after an OOMKilled failure the recreated Job's
/// containers get `memory × factor` (request and limit), up to `max`.
public struct MemoryEscalation: Sendable, Equatable {
    public var factor: Double
    public var max: MemoryQuantity

    public init(factor: Double, max: MemoryQuantity) {
        self.factor = factor
        self.max = max
    }
}

/// What the restart logic does about one failed Job, decided once, when its failure is recorded.
public struct FailureVerdict: Sendable, Equatable {
    /// Consecutive failures of the account (or restarted Job), this one included: `job_failures.attempt`.
    public var attempt: Int
    public var decision: RestartDecision
    /// The memory the restarted Job's containers get after an OOM kill; nil: unchanged.
    public var memoryOverride: MemoryQuantity?

    public init(attempt: Int, decision: RestartDecision, memoryOverride: MemoryQuantity? = nil) {
        self.attempt = attempt
        self.decision = decision
        self.memoryOverride = memoryOverride
    }

    /// When the restart happens: `now` for `.now`, nil when never.
    public func restartAt(now: Date) -> Date? {
        switch decision {
        case .now: now
        case .at(let date): date
        case .never: nil
        }
    }

    /// Decides: the attempt number, the restart time (`restartDecision`, counted from the
    /// `Failed` condition's time) and, when opted in, the next memory after an OOM kill.
    /// `currentMemory` is what the failed Job's containers had (the override, else the template's).
    public static func of(_ failure: JobFailure, previousConsecutiveFailures: Int, accountActive: Bool, policy: RestartPolicy,
                          escalation: MemoryEscalation?, currentMemory: MemoryQuantity?, now: Date) -> FailureVerdict {
        let attempt = max(0, previousConsecutiveFailures) + 1
        let decision = restartDecision(failedAt: failure.failedAt, consecutiveFailures: attempt, oomKilled: failure.isOOMKilled,
                                       accountActive: accountActive, policy: policy, now: now)
        var memory: MemoryQuantity?
        if failure.isOOMKilled, let escalation, let currentMemory, accountActive {
            memory = MemoryQuantity.escalate(current: currentMemory, factor: escalation.factor, max: escalation.max)
        }
        return FailureVerdict(attempt: attempt, decision: decision, memoryOverride: memory)
    }

    /// The Kubernetes Event put on the failed Job: (reason, message). Type Warning.
    public func event(for failure: JobFailure, now: Date) -> (reason: String, message: String) {
        var message = failure.summary
        switch decision {
        case .now:
            message += "; restarting now (failure \(attempt) in a row)"
        case .at(let date):
            message += "; restart at \(Timestamp.rfc3339(date)) (failure \(attempt) in a row)"
        case .never(let why):
            return ("NotRestarted", message + "; not restarted: \(why)")
        }
        if let memoryOverride { message += "; memory raised to \(memoryOverride)" }
        return (decision == .now ? "Restarting" : "RestartScheduled", String(message.prefix(1024)))
    }

    /// The `audit_log` row of the failure.
    public func audit(for failure: JobFailure, now: Date) -> AuditEntry {
        var details: [String: JSONValue] = [
            "attempt": .integer(Int64(attempt)),
            "failed_at": .string(Timestamp.rfc3339(failure.failedAt)),
            "containers": .array(failure.rows.map { row in
                var item: [String: JSONValue] = ["reason": .string(row.reason)]
                if let pod = row.podName { item["pod"] = .string(pod) }
                if let container = row.containerName { item["container"] = .string(container) }
                if let code = row.exitCode { item["exit_code"] = .integer(Int64(code)) }
                return .object(item)
            }),
        ]
        switch decision {
        case .now, .at: details["restart_at"] = restartAt(now: now).map { .string(Timestamp.rfc3339($0)) } ?? .null
        case .never(let why): details["not_restarted"] = .string(why)
        }
        if let memoryOverride { details["memory_override"] = .string(memoryOverride.description) }
        return AuditEntry(action: "failure", accountID: failure.accountID, namespace: failure.namespace, jobName: failure.jobName,
                          jobUID: failure.jobUID, reason: failure.summary, details: .object(details))
    }
}

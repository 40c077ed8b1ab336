import Common
import FoundationEssentials
import TenantCore

/// The one log line of a recorded failure: what failed, each failed container's exit code, when
/// the restart happens, and the last line of the log, so `kubectl logs` on the operator answers
/// "why did tenant X stop?" without a database query.
enum FailureReport {
    static func log(_ failure: JobFailure, verdict: FailureVerdict, now: Date, logger: Logger) {
        var meta: [String: String] = [
            "job.name": failure.jobName, "job.uid": failure.jobUID, "job.failed_at": Timestamp.rfc3339(failure.failedAt),
            "failure.reason": failure.reason, "failure.attempt": String(verdict.attempt),
            "failure.exit_codes": failure.rows.map { row in
                "\(row.containerName ?? row.podName ?? "job")=\(row.exitCode.map(String.init) ?? row.reason)"
            }.joined(separator: ","),
        ]
        if let accountID = failure.accountID { meta["account.id"] = accountID }
        switch verdict.decision {
        case .now: meta["restart.at"] = "now"
        case .at(let date): meta["restart.at"] = Timestamp.rfc3339(date)
        case .never(let why): meta["restart.skipped"] = why
        }
        if let memory = verdict.memoryOverride { meta["restart.memory"] = memory.description }
        if let line = failure.lastLogLine { meta["log.last_line"] = line }
        logger.warning("job failed: \(failure.summary)", meta)
    }
}

import Common
import FoundationEssentials

/// How one pass may touch the cluster.
public struct PlanPolicy: Sendable, Equatable {
    /// `INSTANCE`: only Jobs labelled with it are ours.
    public var instance: String
    /// Deletions still allowed in the current `POLL_INTERVAL` (`MAX_DELETES_PER_PASS` minus what
    /// this interval already deleted, NOTIFY passes included). The delete half of a recreate does not count.
    public var deleteBudget: Int
    /// `RERUN_AFTER_SUCCESS` in seconds; nil never reruns a completed Job.
    public var rerunAfterSuccess: TimeInterval?
    /// When a failed Job whose row has no restart time yet (written by an older version) is due.
    public var restart: RestartPolicy
    /// `RESOLVE_IMAGE_DIGESTS`: the digests to pin and the rolls allowed; nil when off.
    public var images: ImagePolicy?

    public init(instance: String, deleteBudget: Int, rerunAfterSuccess: TimeInterval? = nil, restart: RestartPolicy = RestartPolicy(),
                images: ImagePolicy? = nil) {
        self.instance = instance
        self.deleteBudget = deleteBudget
        self.rerunAfterSuccess = rerunAfterSuccess
        self.restart = restart
        self.images = images
    }
}

/// A Job replaced in two halves: the old one is deleted (Foreground, uid precondition) and, once
/// the watch shows it gone, the account's next pass creates the new one. Nothing waits in
/// between, so a slow Foreground delete holds up only its own account, and a replacement cut
/// short by SIGTERM or SIGKILL is finished by the next leader, which finds the account's Job
/// missing and `account_status` saying why.
public enum Replacement: Sendable, Equatable {
    /// The spec changed (or `RERUN_AFTER_SUCCESS`): `audit_log.action` recreate.
    case recreate(oldUID: String?)
    /// A failed Job whose restart is due: `audit_log.action` restart, `job_failures.restarted_at`.
    case restart(oldUID: String?)

    public var verb: String {
        switch self {
        case .recreate: "recreate"
        case .restart: "restart"
        }
    }

    public var oldUID: String? {
        switch self {
        case .recreate(let uid), .restart(let uid): uid
        }
    }
}

/// One step of a plan. The applier carries them out in order, one failure never stopping the rest.
public enum PlannedAction: Sendable, Equatable {
    /// Create the Job (it does not exist); `completes` when it is the second half of a replacement.
    /// The order is rendered by the executor just before it is sent.
    case create(JobOrder, reason: String, completes: Replacement? = nil)
    /// Delete a Job of ours with Foreground propagation; counts against the delete budget.
    case delete(jobName: String, uid: String, accountID: String?, reason: String)
    /// The first half of a recreate: delete `old` (Foreground, precondition on its uid); a later
    /// pass creates `successor` once `old` is gone. `specHash` is the successor's, which differs
    /// from `old`'s (or equals it for a rerun). Does not count against the delete budget.
    case recreate(old: ObservedJob, successor: JobOrder, specHash: String, reason: String)
    /// A Deployment or CronJob whose spec hash differs: the rendered `successor` replaces `old`'s
    /// spec in place (PUT with its resourceVersion and uid), which Kubernetes rolls out; same
    /// object, new generation. Not budgeted: nothing is deleted.
    case update(old: ObservedJob, successor: JobOrder, specHash: String, reason: String)
    /// The first half of a restart: delete the failed Job `old` (Foreground, precondition on its
    /// uid); a later pass renders and creates it afresh once it is gone. Not budgeted either.
    case restart(old: ObservedJob, accountID: String, reason: String)
    /// Write `account_status`: this Job succeeded (resets the failure count).
    case recordSuccess(accountID: String, jobName: String, uid: String, completedAt: Date)
    /// Hand-off to the restart logic: read the pods, write `job_failures`, schedule the restart.
    case recordFailure(accountID: String, job: ObservedJob)
    /// A deletion over the budget: logged, counted in /metrics, planned again next interval.
    case deferDelete(jobName: String, accountID: String?, reason: String)
    /// A Job we do not manage holds the account's Job name: report it in `account_status.message`, touch nothing.
    case reportConflict(accountID: String, jobName: String, message: String)
    /// The account's Job cannot be rendered: report in `account_status.message`, leave its Job as it is.
    case renderFailed(accountID: String, message: String)
    /// The Job is already being deleted; nothing to do until it is gone.
    case waitForDeletion(jobName: String, accountID: String?)
    /// `RESOLVE_IMAGE_DIGESTS`: the workload runs digests its tags no longer point at, and this
    /// interval's `MAX_IMAGE_ROLLS_PER_PASS` is used up: it rolls in a later pass. Informational
    /// (`provisioner plan` shows both digests of each image).
    case rollPending(jobName: String, accountID: String, changes: [ImageChange])

    /// The Job the action is about; nil for a render failure.
    public var jobName: String? {
        switch self {
        case .create(let order, _, _): order.name
        case .delete(let name, _, _, _), .deferDelete(let name, _, _), .waitForDeletion(let name, _): name
        case .recreate(let old, _, _, _), .restart(let old, _, _), .update(let old, _, _, _): old.name
        case .recordSuccess(_, let name, _, _), .reportConflict(_, let name, _): name
        case .recordFailure(_, let job): job.name
        case .rollPending(let name, _, _): name
        case .renderFailed: nil
        }
    }

    public var accountID: String? {
        switch self {
        case .create(let order, _, _), .recreate(_, let order, _, _), .update(_, let order, _, _): order.accountID
        case .delete(_, _, let id, _), .deferDelete(_, let id, _), .waitForDeletion(_, let id): id
        case .recordSuccess(let id, _, _, _), .recordFailure(let id, _), .reportConflict(let id, _, _), .renderFailed(let id, _), .restart(_, let id, _),
             .rollPending(_, let id, _): id
        }
    }

    /// A short verb for plans, logs and `audit_log.action`.
    public var verb: String {
        switch self {
        case .create(_, _, let completes?): completes.verb
        case .create: "create"
        case .delete: "delete"
        case .recreate: "recreate"
        case .update: "update"
        case .restart: "restart"
        case .recordSuccess: "record-success"
        case .recordFailure: "record-failure"
        case .deferDelete: "defer-delete"
        case .reportConflict: "conflict"
        case .renderFailed: "render-failed"
        case .waitForDeletion: "wait"
        case .rollPending: "roll-pending"
        }
    }

    /// Why, in words an operator understands.
    public var reason: String {
        switch self {
        case .create(_, let reason, _), .delete(_, _, _, let reason), .recreate(_, _, _, let reason), .deferDelete(_, _, let reason), .restart(_, _, let reason),
             .update(_, _, _, let reason): reason
        case .recordSuccess(_, _, _, let at): "Job completed at \(Timestamp.rfc3339(at))"
        case .recordFailure(_, let job):
            "Job failed" + (job.failedAt.map { " at \(Timestamp.rfc3339($0))" } ?? "") + (job.failedReason.map { " (\($0))" } ?? "")
        case .reportConflict(_, _, let message), .renderFailed(_, let message): message
        case .waitForDeletion: "Job is being deleted"
        case .rollPending(_, _, let changes):
            "image roll waiting for MAX_IMAGE_ROLLS_PER_PASS (a later interval): " + changes.map(\.description).joined(separator: ", ")
        }
    }
}

extension PlannedAction {
    /// Where an action goes in a plan. Records of what already happened come first (they cost no
    /// request and the status they write explains the rest), then the reports, then deletions
    /// before creations: a deletion frees a name or a slot that a creation may need.
    public enum Order: Int, Comparable, Sendable {
        case recordSuccess, recordFailure, reportConflict, renderFailed, delete, deferDelete, waitForDeletion, rollPending, replace, create

        public static func < (lhs: Order, rhs: Order) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var order: Order {
        switch self {
        case .recordSuccess: .recordSuccess
        case .recordFailure: .recordFailure
        case .reportConflict: .reportConflict
        case .renderFailed: .renderFailed
        case .delete: .delete
        case .deferDelete: .deferDelete
        case .waitForDeletion: .waitForDeletion
        case .rollPending: .rollPending
        case .recreate, .restart, .update: .replace
        case .create: .create
        }
    }
}

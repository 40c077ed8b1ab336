import FoundationEssentials

/// Something that happened to an account's Job, as `account_status` records it. Every writer
/// of the table goes through `AccountStatus.applying`, so the phases and what each clears are
/// decided in one place, without I/O.
public enum StatusChange: Sendable, Equatable {
    /// A Job was created for the account from `generation` (or a Deployment's or CronJob's
    /// spec replaced); `imageDigests` is what its images were pinned to (`ImagePins.text`), nil
    /// when nothing was pinned.
    case created(jobName: String, uid: String?, generation: Int64, imageDigests: String? = nil)
    /// The first half of a recreate was sent: the Job is being deleted to be created again.
    case recreating(jobName: String, uid: String, note: String)
    /// The first half of a restart was sent: the failed Job is being deleted; the row keeps its
    /// due `next_restart_at`, so whoever leads next finishes the restart.
    case restarting(jobName: String, uid: String, note: String)
    /// The account's Job is being deleted for good (account inactive or deleted, old name).
    case deleted(jobName: String, uid: String, accountActive: Bool?)
    /// The Job completed: resets the failure count.
    case succeeded(jobName: String, uid: String, at: Date)
    /// The Job failed and its failure was recorded; `memoryBasis` is the template the verdict's
    /// memory override was computed against (`JobTemplate.contentHash`).
    case failed(JobFailure, FailureVerdict, now: Date, memoryBasis: String?)
    /// The Job's failure was recorded before (`job_failures` has it) but the row does not show
    /// it (a hand edit, a restored backup): the row is brought up to date from `job_failures`.
    case failureRecordedBefore(jobName: String, uid: String, failedAt: Date, attempt: Int, restartAt: Date?)
    /// Something the admin should see (a refused create, a conflict, a render failure).
    case problem(String)
    /// The account's create waits for a slot under `MAX_RUNNING_JOBS`: `place` in a line of
    /// `waiting`; `replacement` is what the create completes (a restart or a recreate).
    case queued(place: Int, waiting: Int, limit: Int, replacement: Replacement?)
    /// A run of the account's CronJob (a Job it created) succeeded: the row keeps naming the
    /// CronJob; phase succeeded until the next run's outcome.
    case runSucceeded(at: Date)
    /// A run of the account's CronJob failed and was recorded (`job_failures`); never restarted:
    /// the next schedule runs again.
    case runFailed(JobFailure, attempt: Int)
    /// A Deployment stopped progressing (`RolloutFailure`): phase failed, the message says why.
    case rolloutFailed(jobName: String, uid: String, at: Date, message: String)
    /// A queued create that is no longer wanted (the account turned inactive, its Job appeared).
    case dequeued(accountActive: Bool)
}

extension StatusChange {
    /// A failure just recorded: a Job's (`failed`, the restart logic's verdict) or a CronJob
    /// run's (`runFailed`, the row keeps naming the CronJob).
    public static func recorded(_ failure: JobFailure, _ verdict: FailureVerdict, now: Date, memoryBasis: String?, cronJobRun: Bool) -> StatusChange {
        cronJobRun ? .runFailed(failure, attempt: verdict.attempt) : .failed(failure, verdict, now: now, memoryBasis: memoryBasis)
    }
}

extension AccountStatus {
    /// The row after `change`; `current` nil when the account has no row yet.
    public static func applying(_ change: StatusChange, to current: AccountStatus?, accountID: String) -> AccountStatus {
        var status = current ?? AccountStatus(accountID: accountID, phase: .pending)
        switch change {
        case .created(let name, let uid, let generation, let digests):
            status.imageDigests = digests
            status.jobName = name
            status.jobUID = uid
            status.phase = .pending
            status.observedGeneration = generation
            status.nextRestartAt = nil
            status.message = nil
        case .recreating(let name, let uid, let note):
            status.jobName = name
            status.jobUID = uid
            status.phase = .deleting
            status.nextRestartAt = nil
            status.message = note
        case .restarting(let name, let uid, let note):
            status.jobName = name
            status.jobUID = uid
            status.phase = .restartScheduled
            status.message = note
        case .deleted(let name, let uid, let active):
            status.jobName = name
            status.jobUID = uid
            status.phase = active == false ? .inactive : .deleting
            status.nextRestartAt = nil
            status.message = nil
        case .succeeded(let name, let uid, let at):
            status.jobName = name
            status.jobUID = uid
            status.phase = .succeeded
            status.lastSuccessAt = at
            status.consecutiveFailures = 0
            status.nextRestartAt = nil
            status.message = nil
        case .failed(let failure, let verdict, let now, let basis):
            status.jobName = failure.jobName
            status.jobUID = failure.jobUID
            status.lastFailureAt = failure.failedAt
            status.consecutiveFailures = verdict.attempt
            status.nextRestartAt = verdict.restartAt(now: now)
            status.phase = status.nextRestartAt == nil ? .failed : .restartScheduled
            status.message = verdict.event(for: failure, now: now).message
            if let memory = verdict.memoryOverride {
                status.memoryOverride = memory.description
                status.memoryOverrideTemplate = basis
            }
        case .failureRecordedBefore(let name, let uid, let failedAt, let attempt, let restartAt):
            // Only a row that names this Job and lags behind is corrected; a row that has moved on
            // (the Job's successor, a later failure) is left as it is.
            guard current == nil || (status.jobUID == uid && (status.lastFailureAt ?? .distantPast) < failedAt - AccountStatus.timestampSlack) else {
                return status
            }
            status.jobName = name
            status.jobUID = uid
            status.lastFailureAt = max(failedAt, status.lastFailureAt ?? failedAt)
            status.consecutiveFailures = max(attempt, status.consecutiveFailures)
            status.nextRestartAt = restartAt
            status.phase = restartAt == nil ? .failed : .restartScheduled
        case .problem(let message):
            status.message = message
        case .queued(let place, let waiting, let limit, let replacement):
            if let replacement {
                status.jobUID = replacement.oldUID ?? status.jobUID
            }
            status.phase = .queued
            status.queuedFor = replacement?.verb
            status.message = Self.queuedMessage(place: place, waiting: waiting, limit: limit, replacement: replacement)
        case .runSucceeded(let at):
            // The last run's failure message goes; a problem of the account (a refused update,
            // a name conflict) stays until it is solved.
            if status.phase == .failed { status.message = nil }
            status.phase = .succeeded
            status.lastSuccessAt = max(at, status.lastSuccessAt ?? at)
            status.consecutiveFailures = 0
        case .runFailed(let failure, let attempt):
            status.phase = .failed
            status.lastFailureAt = max(failure.failedAt, status.lastFailureAt ?? failure.failedAt)
            status.consecutiveFailures = attempt
            status.nextRestartAt = nil
            status.message = "run \(failure.jobName) failed: \(failure.summary); not restarted, the CronJob's next schedule runs again"
        case .rolloutFailed(let name, let uid, let at, let message):
            status.jobName = name
            status.jobUID = uid
            status.phase = .failed
            status.lastFailureAt = at
            status.message = message
        case .dequeued(let active):
            guard status.phase == .queued else { return status }
            status.phase = active ? .pending : .inactive
            // Only the place in line goes; a problem written meanwhile (a refused create) stays.
            if status.message?.hasPrefix(Self.queuedMessagePrefix) == true { status.message = nil }
        }
        // Only a queued row says what its create completes.
        if status.phase != .queued { status.queuedFor = nil }
        return status
    }

    static let queuedMessagePrefix = "queued: "

    /// `account_status.message` of a queued account: its place, and why it waits.
    static func queuedMessage(place: Int, waiting: Int, limit: Int, replacement: Replacement?) -> String {
        let what = replacement.map { "its \($0.verb)" } ?? "its Job"
        return "\(queuedMessagePrefix)place \(place) of \(waiting) waiting for a free slot (MAX_RUNNING_JOBS \(limit) Jobs run at once); \(what) is created when its turn comes (oldest last success first)"
    }

    /// What `queued_for` says the queued create completes, with the Job the row names.
    public var queuedReplacement: Replacement? {
        switch queuedFor {
        case "restart": .restart(oldUID: jobUID)
        case "recreate": .recreate(oldUID: jobUID)
        default: nil
        }
    }

    /// The memory override in force for `template`: one computed against another template is
    /// dropped, so a template change (new resources, say) starts again from the template's memory.
    public func memoryOverride(for template: JobTemplate) -> String? {
        guard let memoryOverride, memoryOverrideTemplate == template.contentHash else { return nil }
        return memoryOverride
    }
}

/// Status rows whose phase or Job no longer matches what the watch cache shows, and only those.
public enum ObservedStatus {
    /// - a pending account whose Job exists (and has not finished) is running;
    /// - a running account whose Job vanished (TTL, deleted by hand) is pending again;
    /// - a deleting account whose Job is gone is inactive, unless it is active (then its Job was
    ///   deleted to be replaced, and the planner creates the successor);
    /// - a live Job of the account under another uid than the row's (created by a leader that
    ///   died before writing the row) is adopted: the row names it and it is running.
    /// `isActive` says whether the account is active (nil: no row in `accounts`).
    public static func updates(index: JobIndex, statuses: [String: AccountStatus], kind: WorkloadKind = .job, isActive: (String) -> Bool?) -> [AccountStatus] {
        if kind == .deployment { return deploymentUpdates(index: index, statuses: statuses, isActive: isActive) }
        var out: [AccountStatus] = []
        for (id, status) in statuses {
            let own = index.managedJobs(ofAccount: id)
            let named = own.first { $0.uid == status.jobUID }
            guard let job = named ?? own.last(where: { !$0.isTerminating }) else {
                guard status.jobUID != nil else { continue }
                if status.phase == .deleting, isActive(id) != true {
                    var s = status
                    s.phase = .inactive
                    out.append(s)
                } else if status.phase == .running {
                    var s = status
                    s.phase = .pending
                    out.append(s)
                }
                continue
            }
            let live = job.completedAt == nil && job.failedAt == nil && !job.isTerminating
            guard live else { continue }
            if named == nil {
                let adoptable: Set<JobPhase> = [.pending, .running, .deleting, .restartScheduled, .queued]
                guard adoptable.contains(status.phase), isActive(id) == true else { continue }
                var s = status
                s.jobName = job.name
                s.jobUID = job.uid
                s.phase = .running
                s.nextRestartAt = nil
                s.message = nil
                out.append(s)
            } else if status.phase == .pending, job.creationTimestamp != nil {
                var s = status
                s.phase = .running
                out.append(s)
            }
        }
        return out
    }

    /// A Deployment's row follows its conditions: `running` while `Available` is True, `pending`
    /// otherwise; `failed` (Progressing False) is recorded by the executor with what the pods
    /// show, and left when the Deployment progresses again (rolling out, crash-looping
    /// within its progress deadline). A Deployment of another uid than the row's (created by a
    /// leader that died before writing the row) is adopted. Vanished: as for Jobs.
    static func deploymentUpdates(index: JobIndex, statuses: [String: AccountStatus], isActive: (String) -> Bool?) -> [AccountStatus] {
        var out: [AccountStatus] = []
        for (id, status) in statuses {
            let own = index.managedJobs(ofAccount: id)
            guard let object = own.first(where: { $0.uid == status.jobUID && !$0.isTerminating }) ?? own.last(where: { !$0.isTerminating }) else {
                guard status.jobUID != nil else { continue }
                var s = status
                if status.phase == .deleting, isActive(id) != true {
                    s.phase = .inactive
                } else if status.phase == .running || status.phase == .failed {
                    s.phase = .pending
                }
                if s != status { out.append(s) }
                continue
            }
            guard isActive(id) == true else { continue }
            var s = status
            s.jobName = object.name
            s.jobUID = object.uid
            if object.failedAt != nil {
                // Recorded with what its pods show (`PlannedAction.recordFailure`, `RolloutFailure`).
                continue
            } else {
                s.phase = object.isUnavailable ? .pending : .running
                if status.phase == .failed { s.message = nil }
            }
            if s != status { out.append(s) }
        }
        return out
    }
}

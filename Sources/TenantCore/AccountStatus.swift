import FoundationEssentials

/// `account_status.phase`.
public enum JobPhase: String, Sendable, CaseIterable {
    case pending
    case running
    case succeeded
    case failed
    case restartScheduled = "restart_scheduled"
    case deleting
    case inactive
    /// Waiting for a free slot under `MAX_RUNNING_JOBS`; its place in line is in the message.
    case queued
}

/// One row of `account_status`, written by the runtime; the planner reads it to know what was
/// already recorded and what must wait.
public struct AccountStatus: Sendable, Equatable {
    public var accountID: String
    public var jobName: String?
    public var jobUID: String?
    public var phase: JobPhase
    /// The account generation the current Job was rendered from (set when the runtime creates it).
    public var observedGeneration: Int64?
    public var lastSuccessAt: Date?
    /// What only an account with failures, an OOM escalation or a message has, boxed: nil for
    /// the running accounts that make up almost all rows (the status mirror holds one row per
    /// account; 80 bytes less each, docs/benchmark.md).
    private var rare: Rare?

    /// Immutable, so copies share it; a change builds a new one.
    private final class Rare: Sendable, Equatable {
        let lastFailureAt: Date?
        let consecutiveFailures: Int
        let nextRestartAt: Date?
        let memoryOverride: String?
        let memoryOverrideTemplate: String?
        let message: String?
        let queuedFor: String?
        let imageDigests: String?

        init(lastFailureAt: Date?, consecutiveFailures: Int, nextRestartAt: Date?, memoryOverride: String?,
             memoryOverrideTemplate: String?, message: String?, queuedFor: String?, imageDigests: String?) {
            self.lastFailureAt = lastFailureAt
            self.consecutiveFailures = consecutiveFailures
            self.nextRestartAt = nextRestartAt
            self.memoryOverride = memoryOverride
            self.memoryOverrideTemplate = memoryOverrideTemplate
            self.message = message
            self.queuedFor = queuedFor
            self.imageDigests = imageDigests
        }

        /// nil when every field has its default.
        static func make(lastFailureAt: Date?, consecutiveFailures: Int, nextRestartAt: Date?, memoryOverride: String?,
                         memoryOverrideTemplate: String?, message: String?, queuedFor: String?, imageDigests: String?) -> Rare? {
            if lastFailureAt == nil, consecutiveFailures == 0, nextRestartAt == nil, memoryOverride == nil,
               memoryOverrideTemplate == nil, message == nil, queuedFor == nil, imageDigests == nil { return nil }
            return Rare(lastFailureAt: lastFailureAt, consecutiveFailures: consecutiveFailures, nextRestartAt: nextRestartAt,
                        memoryOverride: memoryOverride, memoryOverrideTemplate: memoryOverrideTemplate, message: message,
                        queuedFor: queuedFor, imageDigests: imageDigests)
        }

        static func == (a: Rare, b: Rare) -> Bool {
            a.lastFailureAt == b.lastFailureAt && a.consecutiveFailures == b.consecutiveFailures && a.nextRestartAt == b.nextRestartAt
                && a.memoryOverride == b.memoryOverride && a.memoryOverrideTemplate == b.memoryOverrideTemplate && a.message == b.message
                && a.queuedFor == b.queuedFor && a.imageDigests == b.imageDigests
        }
    }

    public init(accountID: String, jobName: String? = nil, jobUID: String? = nil, phase: JobPhase, observedGeneration: Int64? = nil,
                lastSuccessAt: Date? = nil, lastFailureAt: Date? = nil, consecutiveFailures: Int = 0, nextRestartAt: Date? = nil,
                memoryOverride: String? = nil, memoryOverrideTemplate: String? = nil, message: String? = nil, queuedFor: String? = nil,
                imageDigests: String? = nil) {
        self.accountID = accountID
        self.jobName = jobName
        self.jobUID = jobUID
        self.phase = phase
        self.observedGeneration = observedGeneration
        self.lastSuccessAt = lastSuccessAt
        self.rare = Rare.make(lastFailureAt: lastFailureAt, consecutiveFailures: consecutiveFailures, nextRestartAt: nextRestartAt,
                              memoryOverride: memoryOverride, memoryOverrideTemplate: memoryOverrideTemplate, message: message,
                              queuedFor: queuedFor, imageDigests: imageDigests)
    }

    public var lastFailureAt: Date? {
        get { rare?.lastFailureAt }
        set { change(lastFailureAt: newValue) }
    }
    public var consecutiveFailures: Int {
        get { rare?.consecutiveFailures ?? 0 }
        set { change(consecutiveFailures: newValue) }
    }
    public var nextRestartAt: Date? {
        get { rare?.nextRestartAt }
        set { change(nextRestartAt: newValue) }
    }
    public var memoryOverride: String? {
        get { rare?.memoryOverride }
        set { change(memoryOverride: newValue) }
    }
    /// `JobTemplate.contentHash` of the template `memoryOverride` was computed against.
    public var memoryOverrideTemplate: String? {
        get { rare?.memoryOverrideTemplate }
        set { change(memoryOverrideTemplate: newValue) }
    }
    public var message: String? {
        get { rare?.message }
        set { change(message: newValue) }
    }
    /// `queued_for`: what a queued create completes once it gets its slot (`restart` or
    /// `recreate` of the Job `jobUID` names), nil for a plain create. Kept in the row so a leader
    /// that takes over finishes a waiting restart as a restart.
    public var queuedFor: String? {
        get { rare?.queuedFor }
        set { change(queuedFor: newValue) }
    }

    /// `image_digests` (`RESOLVE_IMAGE_DIGESTS`): the digests the account's workload was last
    /// created or updated with, as JSON (`ImagePins.text`); nil when nothing was pinned.
    public var imageDigests: String? {
        get { rare?.imageDigests }
        set { change(imageDigests: newValue) }
    }

    private mutating func change(lastFailureAt: Date?? = nil, consecutiveFailures: Int? = nil, nextRestartAt: Date?? = nil,
                                 memoryOverride: String?? = nil, memoryOverrideTemplate: String?? = nil, message: String?? = nil,
                                 queuedFor: String?? = nil, imageDigests: String?? = nil) {
        rare = Rare.make(lastFailureAt: lastFailureAt ?? self.lastFailureAt, consecutiveFailures: consecutiveFailures ?? self.consecutiveFailures,
                         nextRestartAt: nextRestartAt ?? self.nextRestartAt, memoryOverride: memoryOverride ?? self.memoryOverride,
                         memoryOverrideTemplate: memoryOverrideTemplate ?? self.memoryOverrideTemplate, message: message ?? self.message,
                         queuedFor: queuedFor ?? self.queuedFor, imageDigests: imageDigests ?? self.imageDigests)
    }

    /// Timestamps go through PostgreSQL (microseconds) and Kubernetes (seconds); a second of
    /// slack keeps a round trip from looking like a new event.
    static let timestampSlack: TimeInterval = 1

    /// Whether this row already records the success of Job `uid` that completed at `completedAt`.
    func hasRecordedSuccess(uid: String, completedAt: Date) -> Bool {
        guard jobUID == uid, let lastSuccessAt else { return false }
        return lastSuccessAt >= completedAt - Self.timestampSlack
    }

    /// Whether this row already records the failure of `job` (failed at `failedAt`):
    /// - the row names the Job and is in a phase a recorded failure leaves (a Job created after
    ///   the last recorded failure is `pending` or `running` until its own failure is recorded,
    ///   however soon after the previous one it fails);
    /// - or the Job is being deleted and the row's last failure is this one or later: the failed
    ///   Job of a restart, still finishing its Foreground deletion while the row names its successor.
    /// The authority is `job_failures`' unique key; this only spares the runtime asking it.
    func hasRecordedFailure(of job: ObservedJob, failedAt: Date) -> Bool {
        guard let lastFailureAt, lastFailureAt >= failedAt - Self.timestampSlack else { return false }
        if jobUID == job.uid { return Self.phasesAfterAFailure.contains(phase) }
        return job.isTerminating
    }

    /// `queued`: a restart waiting for its slot names the failed Job it replaces.
    static let phasesAfterAFailure: Set<JobPhase> = [.failed, .restartScheduled, .deleting, .inactive, .queued]
}

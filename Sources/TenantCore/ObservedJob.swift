import Common
import FoundationEssentials

/// What the runtime's watch cache knows of a Job: enough to plan, nothing the planner would
/// have to fetch.
public struct ObservedJob: Sendable, Equatable {
    public var name: String
    public var uid: String
    public var labels: StringPairs
    public var annotations: StringPairs
    public var creationTimestamp: Date?
    /// What only a Job that ended or is being deleted has, boxed: nil for the running Jobs that
    /// make up almost all of them, which saves 88 bytes a Job in the index (docs/benchmark.md).
    private var ending: Ending?

    /// Immutable, so copies of an `ObservedJob` may share it; a change builds a new one.
    private final class Ending: Sendable, Equatable {
        let deletionTimestamp: Date?
        let completedAt: Date?
        let failedAt: Date?
        let failedReason: String?
        let failedMessage: String?
        let unavailable: Bool

        init(deletionTimestamp: Date?, completedAt: Date?, failedAt: Date?, failedReason: String?, failedMessage: String?, unavailable: Bool) {
            self.deletionTimestamp = deletionTimestamp
            self.completedAt = completedAt
            self.failedAt = failedAt
            self.failedReason = failedReason
            self.failedMessage = failedMessage
            self.unavailable = unavailable
        }

        /// nil when every field is nil.
        static func make(deletionTimestamp: Date?, completedAt: Date?, failedAt: Date?, failedReason: String?, failedMessage: String?,
                         unavailable: Bool) -> Ending? {
            if deletionTimestamp == nil, completedAt == nil, failedAt == nil, failedReason == nil, failedMessage == nil, !unavailable { return nil }
            return Ending(deletionTimestamp: deletionTimestamp, completedAt: completedAt, failedAt: failedAt,
                          failedReason: failedReason, failedMessage: failedMessage, unavailable: unavailable)
        }

        static func == (a: Ending, b: Ending) -> Bool {
            a.deletionTimestamp == b.deletionTimestamp && a.completedAt == b.completedAt && a.failedAt == b.failedAt
                && a.failedReason == b.failedReason && a.failedMessage == b.failedMessage && a.unavailable == b.unavailable
        }
    }

    public init(name: String, uid: String, labels: StringPairs = [:], annotations: StringPairs = [:], creationTimestamp: Date? = nil,
                deletionTimestamp: Date? = nil, completedAt: Date? = nil, failedAt: Date? = nil, failedReason: String? = nil, failedMessage: String? = nil,
                unavailable: Bool = false) {
        self.name = name
        self.uid = uid
        self.labels = labels
        self.annotations = annotations
        self.creationTimestamp = creationTimestamp
        self.ending = Ending.make(deletionTimestamp: deletionTimestamp, completedAt: completedAt, failedAt: failedAt,
                                  failedReason: failedReason, failedMessage: failedMessage, unavailable: unavailable)
    }

    /// Set once a delete was accepted; the Job lingers until Foreground deletion removed its pods.
    public var deletionTimestamp: Date? {
        get { ending?.deletionTimestamp }
        set { change(deletionTimestamp: newValue) }
    }
    /// A Deployment whose `Available` condition is not True (rolling out, crash-looping); always
    /// false for Jobs and CronJobs.
    public var isUnavailable: Bool {
        get { ending?.unavailable ?? false }
        set { change(unavailable: newValue) }
    }
    /// The `Complete` condition is True: its lastTransitionTime.
    public var completedAt: Date? {
        get { ending?.completedAt }
        set { change(completedAt: newValue) }
    }
    /// The `Failed` condition is True: its lastTransitionTime and reason. For a Deployment: its
    /// `Progressing` condition is False (`ProgressDeadlineExceeded`).
    public var failedAt: Date? {
        get { ending?.failedAt }
        set { change(failedAt: newValue) }
    }
    public var failedReason: String? {
        get { ending?.failedReason }
        set { change(failedReason: newValue) }
    }
    public var failedMessage: String? {
        get { ending?.failedMessage }
        set { change(failedMessage: newValue) }
    }

    private mutating func change(deletionTimestamp: Date?? = nil, completedAt: Date?? = nil, failedAt: Date?? = nil,
                                 failedReason: String?? = nil, failedMessage: String?? = nil, unavailable: Bool? = nil) {
        ending = Ending.make(deletionTimestamp: deletionTimestamp ?? self.deletionTimestamp, completedAt: completedAt ?? self.completedAt,
                             failedAt: failedAt ?? self.failedAt, failedReason: failedReason ?? self.failedReason,
                             failedMessage: failedMessage ?? self.failedMessage, unavailable: unavailable ?? self.isUnavailable)
    }

    /// The exact account id from the `tenant-provisioner/account-id` annotation.
    public var accountID: String? { annotations[ManagedMetadata.accountIDAnnotation] }
    public var specHash: String? { annotations[ManagedMetadata.specHashAnnotation] }
    public var isTerminating: Bool { deletionTimestamp != nil }
    /// Neither completed nor failed: its pods may run (and take a `MAX_RUNNING_JOBS` slot).
    public var isUnfinished: Bool { ending == nil || (completedAt == nil && failedAt == nil) }

    /// Carries both labels of this instance; only such Jobs are ever deleted or recreated.
    public func isManaged(instance: String) -> Bool {
        ManagedMetadata.isManaged(labels: labels, instance: instance)
    }
}

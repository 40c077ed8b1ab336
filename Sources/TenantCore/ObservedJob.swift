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
    /// Set once a delete was accepted; the Job lingers until Foreground deletion removed its pods.
    public var deletionTimestamp: Date?
    /// The `Complete` condition is True: its lastTransitionTime.
    public var completedAt: Date?
    /// The `Failed` condition is True: its lastTransitionTime and reason.
    public var failedAt: Date?
    public var failedReason: String?
    public var failedMessage: String?

    public init(name: String, uid: String, labels: StringPairs = [:], annotations: StringPairs = [:], creationTimestamp: Date? = nil,
                deletionTimestamp: Date? = nil, completedAt: Date? = nil, failedAt: Date? = nil, failedReason: String? = nil, failedMessage: String? = nil) {
        self.name = name
        self.uid = uid
        self.labels = labels
        self.annotations = annotations
        self.creationTimestamp = creationTimestamp
        self.deletionTimestamp = deletionTimestamp
        self.completedAt = completedAt
        self.failedAt = failedAt
        self.failedReason = failedReason
        self.failedMessage = failedMessage
    }

    /// The exact account id from the `tenant-provisioner/account-id` annotation.
    public var accountID: String? { annotations[ManagedMetadata.accountIDAnnotation] }
    public var specHash: String? { annotations[ManagedMetadata.specHashAnnotation] }
    public var isTerminating: Bool { deletionTimestamp != nil }

    /// Carries both labels of this instance; only such Jobs are ever deleted or recreated.
    public func isManaged(instance: String) -> Bool {
        ManagedMetadata.isManaged(labels: labels, instance: instance)
    }
}

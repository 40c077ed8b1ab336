import FoundationEssentials
import Kube
import TenantCore

extension ObservedJob {
    /// What the planner needs of a Job the watch cache holds.
    init(_ job: JobSummary) {
        self.init(name: job.name, uid: job.uid, labels: job.labels, annotations: job.annotations,
                  creationTimestamp: job.creationTimestamp, deletionTimestamp: job.deletionTimestamp,
                  completedAt: job.trueCondition("Complete").map { $0.lastTransitionTime ?? job.creationTimestamp ?? .distantPast },
                  failedAt: job.trueCondition("Failed").map { $0.lastTransitionTime ?? job.creationTimestamp ?? .distantPast },
                  failedReason: job.trueCondition("Failed")?.reason, failedMessage: job.trueCondition("Failed")?.message)
    }
}

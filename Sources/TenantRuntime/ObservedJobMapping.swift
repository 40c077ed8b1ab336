import FoundationEssentials
import Kube
import TenantCore

extension WorkloadKind {
    /// Where the API serves objects of this kind.
    var resource: KubeResource {
        switch self {
        case .job: .jobs
        case .cronJob: .cronJobs
        case .deployment: .deployments
        }
    }
}

extension ObservedJob {
    /// A Job as the planner (and the restarter) reads it.
    init(_ job: JobSummary) { self.init(job, kind: .job) }

    /// What the planner needs of an object the watch cache holds, read as `kind` says: a Job's
    /// `Complete`/`Failed` conditions; a Deployment's `Available` and `Progressing` (False:
    /// failed, with the reason); a CronJob has neither (its Jobs tell how its runs went).
    init(_ job: JobSummary, kind: WorkloadKind) {
        switch kind {
        case .job:
            self.init(name: job.name, uid: job.uid, labels: job.labels, annotations: job.annotations,
                      creationTimestamp: job.creationTimestamp, deletionTimestamp: job.deletionTimestamp,
                      completedAt: job.trueCondition("Complete").map { $0.lastTransitionTime ?? job.creationTimestamp ?? .distantPast },
                      failedAt: job.trueCondition("Failed").map { $0.lastTransitionTime ?? job.creationTimestamp ?? .distantPast },
                      failedReason: job.trueCondition("Failed")?.reason, failedMessage: job.trueCondition("Failed")?.message)
        case .deployment:
            let stalled = job.conditions.first { $0.type == "Progressing" && $0.status == "False" }
            self.init(name: job.name, uid: job.uid, labels: job.labels, annotations: job.annotations,
                      creationTimestamp: job.creationTimestamp, deletionTimestamp: job.deletionTimestamp,
                      failedAt: stalled.map { $0.lastTransitionTime ?? job.creationTimestamp ?? .distantPast },
                      failedReason: stalled?.reason, failedMessage: stalled?.message,
                      unavailable: job.trueCondition("Available") == nil)
        case .cronJob:
            self.init(name: job.name, uid: job.uid, labels: job.labels, annotations: job.annotations,
                      creationTimestamp: job.creationTimestamp, deletionTimestamp: job.deletionTimestamp)
        }
    }
}

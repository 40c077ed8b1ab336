/// The shape of the workload each account gets (SPEC "Workload shapes"): the template's `kind`
/// decides. One planner serves all three; what differs is where the pod template sits, how long a
/// name may be, and what happens to a changed spec (a Job is recreated, the others updated in place).
public enum WorkloadKind: String, Sendable, CaseIterable {
    /// A run to completion, restarted by the restart logic when it fails.
    case job = "Job"
    /// A scheduled run: the CronJob controller creates its Jobs.
    case cronJob = "CronJob"
    /// A long-running worker, rolled out by Kubernetes.
    case deployment = "Deployment"

    public var apiVersion: String {
        switch self {
        case .job, .cronJob: "batch/v1"
        case .deployment: "apps/v1"
        }
    }

    /// Where the pod template sits in the object.
    public var podTemplatePath: [String] {
        switch self {
        case .job, .deployment: ["spec", "template"]
        case .cronJob: ["spec", "jobTemplate", "spec", "template"]
        }
    }

    /// The longest object name: the CronJob controller appends `-<11 digits>` to the names of
    /// the Jobs it creates, and the API server refuses CronJob names over 52 characters.
    public var maxNameLength: Int {
        switch self {
        case .job, .deployment: 63
        case .cronJob: 52
        }
    }

    /// A changed spec is applied to the existing object (PUT with its resourceVersion), which
    /// Kubernetes rolls out; a Job's spec is immutable, so a Job is deleted and created again.
    public var updatesInPlace: Bool { self != .job }

    /// The kinds a template may have, for error messages.
    static let allowed = "batch/v1 Job, batch/v1 CronJob or apps/v1 Deployment"
}

import Common
import FoundationEssentials
import Kube
import TenantCore

/// Reads what a failed Job left behind (SPEC "Restart logic"): its pods, found by the
/// `batch.kubernetes.io/controller-uid` label the Job controller puts on them; per failed
/// container its termination (exit code, reason, message) and the last `LOG_TAIL_LINES` lines of
/// that container's own log. Used by the provisioner and the standalone restarter alike.
public struct FailureInspector: Sendable {
    let client: KubeClient
    /// `LOG_TAIL_LINES`; 0 reads no logs.
    let logTailLines: Int
    let logger: Logger

    /// Bytes asked of the log endpoint: a bound on memory for a log of huge lines; of those the
    /// last `ContainerFailure.logTailLimit` bytes are kept.
    static let logRequestLimit = 4 * ContainerFailure.logTailLimit

    public init(client: KubeClient, logTailLines: Int, logger: Logger) {
        self.client = client
        self.logTailLines = logTailLines
        self.logger = logger
    }

    /// The failure of Job `jobName` (uid `uid`), whose `Failed` condition turned True at
    /// `failedAt`. Throws when its pods cannot be listed (a later pass tries again rather than
    /// record a failure without them); a log that cannot be read only leaves that row's tail empty.
    public func inspect(jobName: String, uid: String, namespace: String, failedAt: Date, conditionReason: String?, conditionMessage: String?,
                        accountID: String?) async throws(KubeError) -> JobFailure {
        let pods = try await client.listAll(.pods, namespace: namespace, labelSelector: "batch.kubernetes.io/controller-uid=\(uid)", as: Pod.self).items
        var rows = ContainerFailure.summarize(pods: pods.map(PodObservation.init), jobConditionReason: conditionReason,
                                              jobConditionMessage: conditionMessage)
        if logTailLines > 0 {
            for index in rows.indices {
                rows[index].logTail = await logTail(of: rows[index], namespace: namespace)
            }
        }
        return JobFailure(accountID: accountID, namespace: namespace, jobName: jobName, jobUID: uid, failedAt: failedAt,
                          conditionReason: conditionReason, conditionMessage: conditionMessage, rows: rows)
    }

    private func logTail(of row: ContainerFailure, namespace: String) async -> String? {
        guard let pod = row.podName, let container = row.containerName else { return nil }
        do {
            let log = try await client.podLog(namespace: namespace, name: pod, container: container, tailLines: logTailLines,
                                              limitBytes: Self.logRequestLimit, previous: row.previousInstance)
            return ContainerFailure.tail(of: log)
        } catch {
            // The kubelet may have removed the container already; the failure is recorded without it.
            logger.info("could not read the failed container's log; recording the failure without it",
                        ["k8s.pod": pod, "k8s.container": container, "error": error.description])
            return nil
        }
    }
}

extension PodObservation {
    /// What the failure summary needs of a Pod.
    init(_ pod: Pod) {
        let sidecars = Set((pod.spec?.initContainers ?? []).filter { $0.restartPolicy == "Always" }.map(\.name))
        func observe(_ status: ContainerStatus) -> ContainerObservation {
            ContainerObservation(name: status.name, terminated: status.state?.terminated.map(ContainerTermination.init),
                                 lastTerminated: status.lastState?.terminated.map(ContainerTermination.init), isSidecar: sidecars.contains(status.name))
        }
        self.init(name: pod.metadata.name ?? "", phase: pod.status?.phase, reason: pod.status?.reason, message: pod.status?.message,
                  initContainers: (pod.status?.initContainerStatuses ?? []).map(observe),
                  containers: (pod.status?.containerStatuses ?? []).map(observe))
    }
}

extension ContainerTermination {
    init(_ terminated: ContainerStateTerminated) {
        self.init(exitCode: terminated.exitCode, reason: terminated.reason, message: terminated.message, finishedAt: terminated.finishedAt)
    }
}

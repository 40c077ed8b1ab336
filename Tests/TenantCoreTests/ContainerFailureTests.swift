import Foundation
import Testing
@testable import TenantCore

@Suite struct ContainerFailureTests {
    @Test func failedContainersBecomeRowsInitContainersFirst() {
        let pod = PodObservation(name: "job-abc", phase: "Failed",
                                 initContainers: [ContainerObservation(name: "init", terminated: ContainerTermination(exitCode: 0, reason: "Completed"))],
                                 containers: [
                                     ContainerObservation(name: "main", terminated: ContainerTermination(exitCode: 137, reason: "OOMKilled")),
                                     ContainerObservation(name: "side", terminated: ContainerTermination(exitCode: 2, message: "bad flag")),
                                 ])
        let rows = ContainerFailure.summarize(pods: [pod], jobConditionReason: "BackoffLimitExceeded", jobConditionMessage: "Job has reached the specified backoff limit")
        #expect(rows == [
            ContainerFailure(podName: "job-abc", containerName: "main", exitCode: 137, reason: "OOMKilled", message: nil),
            ContainerFailure(podName: "job-abc", containerName: "side", exitCode: 2, reason: "Error", message: "bad flag"),
        ])
        #expect(rows.contains { $0.isOOMKilled })
    }

    @Test func failedInitContainerIsARow() {
        let pod = PodObservation(name: "p", phase: "Failed", initContainers: [ContainerObservation(name: "migrate", terminated: ContainerTermination(exitCode: 1, reason: "Error"))],
                                 containers: [ContainerObservation(name: "main")])
        #expect(ContainerFailure.summarize(pods: [pod], jobConditionReason: nil, jobConditionMessage: nil).map(\.containerName) == ["migrate"])
    }

    @Test func failureBeforeARestartIsReadFromTheLastState() {
        let pod = PodObservation(name: "p", phase: "Running", containers: [
            ContainerObservation(name: "main", lastTerminated: ContainerTermination(exitCode: 137, reason: "OOMKilled")),
        ])
        #expect(ContainerFailure.summarize(pods: [pod], jobConditionReason: nil, jobConditionMessage: nil).first?.reason == "OOMKilled")
    }

    @Test func evictedPodWithoutContainerStateIsOneRowWithThePodReason() {
        let pod = PodObservation(name: "p", phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory.", containers: [ContainerObservation(name: "main")])
        #expect(ContainerFailure.summarize(pods: [pod], jobConditionReason: "BackoffLimitExceeded", jobConditionMessage: nil) == [
            ContainerFailure(podName: "p", containerName: nil, exitCode: nil, reason: "Evicted", message: "The node was low on resource: memory."),
        ])
    }

    @Test func lostContainerOfAnEvictedPodTakesThePodReason() {
        let pod = PodObservation(name: "p", phase: "Failed", reason: "Evicted", message: "low memory",
                                 containers: [ContainerObservation(name: "main", terminated: ContainerTermination(exitCode: 137, reason: "ContainerStatusUnknown"))])
        #expect(ContainerFailure.summarize(pods: [pod], jobConditionReason: nil, jobConditionMessage: nil) == [
            ContainerFailure(podName: "p", containerName: "main", exitCode: 137, reason: "Evicted", message: "low memory"),
        ])
    }

    @Test func jobWithoutPodsIsOneRowWithTheConditionReason() {
        let rows = ContainerFailure.summarize(pods: [], jobConditionReason: "DeadlineExceeded", jobConditionMessage: "Job was active longer than specified deadline")
        #expect(rows == [ContainerFailure(podName: nil, containerName: nil, exitCode: nil, reason: "DeadlineExceeded", message: "Job was active longer than specified deadline")])
    }

    @Test func succeededAndRunningPodsAreNotFailures() {
        let pods = [
            PodObservation(name: "a", phase: "Succeeded", containers: [ContainerObservation(name: "main", terminated: ContainerTermination(exitCode: 0))]),
            PodObservation(name: "b", phase: "Running", containers: [ContainerObservation(name: "main")]),
        ]
        #expect(ContainerFailure.summarize(pods: pods, jobConditionReason: "DeadlineExceeded", jobConditionMessage: nil).map(\.reason) == ["DeadlineExceeded"])
    }

    @Test func rowsAreOrderedByPodName() {
        let failed = ContainerObservation(name: "main", terminated: ContainerTermination(exitCode: 1))
        let pods = ["c", "a", "b"].map { PodObservation(name: $0, phase: "Failed", containers: [failed]) }
        #expect(ContainerFailure.summarize(pods: pods, jobConditionReason: nil, jobConditionMessage: nil).map(\.podName) == ["a", "b", "c"])
    }
}

import Common
import Foundation
import Testing
@testable import TenantCore

/// What the restart logic decides about one failed Job, and how it describes it.
@Suite struct FailureVerdictTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func failure(_ rows: [ContainerFailure], failedAt: Date = now - 10) -> JobFailure {
        JobFailure(accountID: "acme", namespace: "ns", jobName: "worker-acme", jobUID: "u1", failedAt: failedAt,
                   conditionReason: "BackoffLimitExceeded", conditionMessage: "Job has reached the specified backoff limit", rows: rows)
    }

    static let oom = ContainerFailure(podName: "p", containerName: "worker", exitCode: 137, reason: "OOMKilled", message: nil, finishedAt: now - 12,
                                      logTail: "loading\nallocating 2 GiB\n")
    static let sidecarKilled = ContainerFailure(podName: "p", containerName: "sidecar", exitCode: 143, reason: "Error", message: nil, finishedAt: now - 11)

    /// SPEC: delay after the n-th consecutive failure is RESTART_DELAY × FACTOR^(n−1), capped, from
    /// the Failed condition's time; the issue's 3, 6, 7 s with factor 2 and cap 7.
    @Test(arguments: [(0, 1, 3.0), (1, 2, 6.0), (2, 3, 7.0), (5, 6, 7.0)])
    func theAttemptCountsOnAndTheDelayGrowsFromTheFailureTime(previous: Int, attempt: Int, delay: Double) {
        let policy = RestartPolicy(delay: 3, backoffFactor: 2, maxDelay: 7)
        let failure = Self.failure([ContainerFailure(podName: "p", containerName: "worker", exitCode: 1, reason: "Error", message: nil)], failedAt: Self.now - 1)
        let verdict = FailureVerdict.of(failure, previousConsecutiveFailures: previous, accountActive: true, policy: policy, escalation: nil,
                                        currentMemory: nil, now: Self.now)
        #expect(verdict.attempt == attempt)
        #expect(verdict.decision == .at(failure.failedAt + delay))
        let late = FailureVerdict.of(failure, previousConsecutiveFailures: previous, accountActive: true, policy: policy, escalation: nil,
                                     currentMemory: nil, now: failure.failedAt + delay)
        #expect(late.decision == .now, "seen only once due (operator down meanwhile): at once")
    }

    @Test func anOOMKillWithSkipDelayRestartsAtOnceAndRaisesTheMemoryWhenOptedIn() {
        let policy = RestartPolicy(delay: 3600, skipDelayOnOOM: true)
        let escalation = MemoryEscalation(factor: 1.5, max: MemoryQuantity("1Gi")!)
        let first = FailureVerdict.of(Self.failure([Self.oom]), previousConsecutiveFailures: 0, accountActive: true, policy: policy,
                                      escalation: escalation, currentMemory: MemoryQuantity("512Mi"), now: Self.now)
        #expect(first.decision == .now && first.restartAt(now: Self.now) == Self.now)
        #expect(first.memoryOverride == MemoryQuantity("768Mi"))
        let capped = FailureVerdict.of(Self.failure([Self.oom]), previousConsecutiveFailures: 1, accountActive: true, policy: policy,
                                       escalation: escalation, currentMemory: MemoryQuantity("768Mi"), now: Self.now)
        #expect(capped.memoryOverride == MemoryQuantity("1Gi"), "1152Mi capped at OOM_MEMORY_MAX")
        let atMax = FailureVerdict.of(Self.failure([Self.oom]), previousConsecutiveFailures: 2, accountActive: true, policy: policy,
                                      escalation: escalation, currentMemory: MemoryQuantity("1Gi"), now: Self.now)
        #expect(atMax.memoryOverride == nil, "already at the maximum: unchanged")
    }

    @Test func noEscalationWithoutAnOOMKillOptInOrKnownMemory() {
        let escalation = MemoryEscalation(factor: 2, max: MemoryQuantity("4Gi")!)
        let error = ContainerFailure(podName: "p", containerName: "worker", exitCode: 1, reason: "Error", message: nil)
        #expect(FailureVerdict.of(Self.failure([error]), previousConsecutiveFailures: 0, accountActive: true, policy: RestartPolicy(),
                                  escalation: escalation, currentMemory: MemoryQuantity("1Gi"), now: Self.now).memoryOverride == nil)
        #expect(FailureVerdict.of(Self.failure([Self.oom]), previousConsecutiveFailures: 0, accountActive: true, policy: RestartPolicy(),
                                  escalation: nil, currentMemory: MemoryQuantity("1Gi"), now: Self.now).memoryOverride == nil)
        #expect(FailureVerdict.of(Self.failure([Self.oom]), previousConsecutiveFailures: 0, accountActive: true, policy: RestartPolicy(),
                                  escalation: escalation, currentMemory: nil, now: Self.now).memoryOverride == nil)
    }

    @Test func anInactiveAccountIsNeverRestarted() {
        let verdict = FailureVerdict.of(Self.failure([Self.oom]), previousConsecutiveFailures: 0, accountActive: false,
                                        policy: RestartPolicy(skipDelayOnOOM: true), escalation: nil, currentMemory: nil, now: Self.now)
        guard case .never = verdict.decision else {
            Issue.record("\(verdict.decision)")
            return
        }
        #expect(verdict.restartAt(now: Self.now) == nil)
        #expect(verdict.event(for: Self.failure([Self.oom]), now: Self.now).reason == "NotRestarted")
    }

    /// A multi-container pod: the worker that ran out of memory explains the failure, not the
    /// sidecar killed when the pod was torn down a second later.
    @Test func theSummaryNamesTheWorkerNotTheSidecar() {
        let failure = Self.failure([Self.sidecarKilled, Self.oom])
        #expect(failure.primary?.containerName == "worker")
        #expect(failure.reason == "OOMKilled")
        #expect(failure.summary == "container worker of pod p exited with code 137 (OOMKilled); 1 more failed container")
        #expect(failure.lastLogLine == "allocating 2 GiB")
    }

    @Test func aJobWithoutPodsIsSummarisedByItsCondition() {
        let failure = Self.failure(ContainerFailure.summarize(pods: [], jobConditionReason: "DeadlineExceeded", jobConditionMessage: "Job was active longer than specified deadline"))
        #expect(failure.reason == "DeadlineExceeded")
        #expect(failure.summary == "Job failed (DeadlineExceeded): Job was active longer than specified deadline")
        #expect(failure.lastLogLine == nil)
    }

    @Test func theEventSaysWhenTheRestartHappens() {
        let scheduled = FailureVerdict(attempt: 2, decision: .at(Self.now + 3600)).event(for: Self.failure([Self.oom]), now: Self.now)
        #expect(scheduled.reason == "RestartScheduled")
        #expect(scheduled.message.hasSuffix("restart at \(Timestamp.rfc3339(Self.now + 3600)) (failure 2 in a row)"))
        let now = FailureVerdict(attempt: 1, decision: .now, memoryOverride: MemoryQuantity("768Mi")).event(for: Self.failure([Self.oom]), now: Self.now)
        #expect(now.reason == "Restarting")
        #expect(now.message.hasSuffix("restarting now (failure 1 in a row); memory raised to 768Mi"))
    }

    @Test func theAuditRowListsEveryFailedContainer() {
        let audit = FailureVerdict(attempt: 1, decision: .at(Self.now + 60)).audit(for: Self.failure([Self.sidecarKilled, Self.oom]), now: Self.now)
        #expect(audit.action == "failure" && audit.jobUID == "u1" && audit.accountID == "acme")
        #expect(audit.details["containers"]?.arrayValue?.count == 2)
        #expect(audit.details["restart_at"] == .string(Timestamp.rfc3339(Self.now + 60)))
        #expect(audit.details["attempt"] == 1)
    }
}

/// The log tail kept per failed container: the last lines, at most 64 KiB.
@Suite struct LogTailTests {
    @Test func aShortLogIsKeptWhole() {
        #expect(ContainerFailure.tail(of: "a\nb\n") == "a\nb\n")
    }

    @Test func aLongLogKeepsItsEndFromALineStart() {
        let lines = (0..<20_000).map { "line \($0)" }.joined(separator: "\n")
        let tail = ContainerFailure.tail(of: lines)
        #expect(tail.utf8.count <= ContainerFailure.logTailLimit)
        #expect(tail.hasSuffix("line 19999"))
        #expect(tail.hasPrefix("line "), "cut at a line start: \(tail.prefix(20))")
    }

    @Test func aHugeLineIsCutAtACharacterBoundary() {
        let tail = ContainerFailure.tail(of: String(repeating: "é", count: 40_000), limit: 1001)
        #expect(tail.utf8.count <= 1001)
        #expect(tail.allSatisfy { $0 == "é" })
        #expect(!tail.isEmpty)
    }
}

/// Native sidecars (init containers with restartPolicy Always) are stopped by the kubelet: not failures.
@Suite struct SidecarTests {
    @Test func aNativeSidecarsTerminationIsNotAFailure() {
        let pod = PodObservation(name: "p", phase: "Failed",
                                 initContainers: [ContainerObservation(name: "proxy", terminated: ContainerTermination(exitCode: 143, reason: "Error"), isSidecar: true)],
                                 containers: [ContainerObservation(name: "worker", terminated: ContainerTermination(exitCode: 3, reason: "Error"))])
        #expect(ContainerFailure.summarize(pods: [pod], jobConditionReason: nil, jobConditionMessage: nil).map(\.containerName) == ["worker"])
    }

    @Test func aRestartedContainersFailureReadsThePreviousInstancesLog() {
        let pod = PodObservation(name: "p", phase: "Running", containers: [
            ContainerObservation(name: "main", lastTerminated: ContainerTermination(exitCode: 137, reason: "OOMKilled")),
        ])
        #expect(ContainerFailure.summarize(pods: [pod], jobConditionReason: nil, jobConditionMessage: nil).first?.previousInstance == true)
    }
}

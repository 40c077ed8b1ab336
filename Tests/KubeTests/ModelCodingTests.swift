import Common
import Foundation
import Kube
import Testing

@Suite struct ModelCodingTests {
    static let jobJSON = """
    {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"tp-a","namespace":"default","uid":"u1","resourceVersion":"12",
     "generation":1,"creationTimestamp":"2026-01-02T03:04:05Z","deletionTimestamp":"2026-01-02T03:05:00Z",
     "labels":{"app.kubernetes.io/managed-by":"tenant-provisioner"},"annotations":{"tenant-provisioner/account-id":"A","kubectl.kubernetes.io/last-applied-configuration":"{}"},
     "finalizers":["foregroundDeletion"],"ownerReferences":[{"apiVersion":"v1","kind":"X","name":"o","uid":"ou"}],
     "managedFields":[{"manager":"kubectl"}]},
     "spec":{"backoffLimit":0,"template":{"spec":{"containers":[{"name":"main","image":"busybox"}]}}},
     "status":{"conditions":[{"type":"FailureTarget","status":"True"},{"type":"Failed","status":"True","reason":"BackoffLimitExceeded",
       "message":"Job has reached the specified backoff limit","lastTransitionTime":"2026-01-02T03:04:30Z","lastProbeTime":null}],
       "failed":1,"startTime":"2026-01-02T03:04:06Z","uncountedTerminatedPods":{}}}
    """

    @Test func jobDecodesAndToleratesUnknownFields() throws {
        let job = try KubeJSON.decode(Job.self, from: Data(Self.jobJSON.utf8))
        #expect(job.metadata.name == "tp-a")
        #expect(job.metadata.generation == 1)
        #expect(job.metadata.creationTimestamp == Timestamp.parse("2026-01-02T03:04:05Z"))
        #expect(job.metadata.finalizers == ["foregroundDeletion"])
        #expect(job.metadata.ownerReferences?.first?.uid == "ou")
        #expect(job.status?.failed == 1)
        #expect(job.trueCondition("Failed")?.reason == "BackoffLimitExceeded")
        #expect(job.trueCondition("Failed")?.lastTransitionTime == Timestamp.parse("2026-01-02T03:04:30Z"))
        #expect(job.trueCondition("Complete") == nil)
    }

    @Test func jobSummaryKeepsWhatTheOperatorReads() throws {
        let s = try KubeJSON.decode(JobSummary.self, from: Data(Self.jobJSON.utf8))
        #expect(s.name == "tp-a")
        #expect(s.uid == "u1")
        #expect(s.resourceVersion == "12")
        #expect(s.labels["app.kubernetes.io/managed-by"] == "tenant-provisioner")
        #expect(s.annotations == ["tenant-provisioner/account-id": "A"])
        #expect(s.isFailed)
        #expect(!s.isComplete)
        #expect(s.isTerminating)
        #expect(s.failed == 1 && s.active == 0)
        let full = try KubeJSON.decode(Job.self, from: Data(Self.jobJSON.utf8))
        #expect(JobSummary(full) == s)
    }

    @Test func jobSummaryOfAJobWithoutStatus() throws {
        let s = try KubeJSON.decode(JobSummary.self, from: Data(#"{"metadata":{"name":"x","resourceVersion":"3"}}"#.utf8))
        #expect(s.conditions.isEmpty)
        #expect(!s.isFailed)
        #expect(s.deletionTimestamp == nil)
    }

    @Test func podDecodesTerminatedContainerStates() throws {
        let json = """
        {"metadata":{"name":"p","ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"j","uid":"ju","controller":true}]},
         "status":{"phase":"Failed","reason":"Evicted","message":"low memory",
          "initContainerStatuses":[{"name":"init","state":{"terminated":{"exitCode":0,"reason":"Completed","finishedAt":"2026-01-01T00:00:00Z"}}}],
          "containerStatuses":[{"name":"main","ready":false,"restartCount":0,"image":"x",
            "state":{"terminated":{"exitCode":137,"reason":"OOMKilled","message":"killed","finishedAt":"2026-01-01T00:00:05Z"}}}]}}
        """
        let pod = try KubeJSON.decode(Pod.self, from: Data(json.utf8))
        #expect(pod.status?.phase == "Failed")
        #expect(pod.status?.reason == "Evicted")
        #expect(pod.metadata.ownerReferences?.first?.controller == true)
        let main = pod.status?.containerStatuses?.first?.state?.terminated
        #expect(main?.exitCode == 137)
        #expect(main?.reason == "OOMKilled")
        #expect(main?.finishedAt == Timestamp.parse("2026-01-01T00:00:05Z"))
        #expect(pod.status?.initContainerStatuses?.first?.state?.terminated?.reason == "Completed")
    }

    @Test func leaseMicroTimeRoundTripsWithSixDigits() throws {
        let json = #"{"metadata":{"name":"l"},"spec":{"holderIdentity":"a","leaseDurationSeconds":15,"renewTime":"2026-01-01T00:00:00.123456Z","acquireTime":"2026-01-01T00:00:00Z"}}"#
        let lease = try KubeJSON.decode(Lease.self, from: Data(json.utf8))
        #expect(lease.spec?.holderIdentity == "a")
        let text = String(decoding: try KubeJSON.encode(lease), as: UTF8.self)
        #expect(text.contains(#""renewTime":"2026-01-01T00:00:00.123456Z""#))
        #expect(text.contains(#""acquireTime":"2026-01-01T00:00:00.000000Z""#))
    }

    @Test func eventEncodesTimesInTheirOwnLayouts() throws {
        var event = Event(metadata: ObjectMeta(name: "j.1", namespace: "ns"),
                          involvedObject: ObjectReference(apiVersion: "batch/v1", kind: "Job", name: "j", namespace: "ns", uid: "u"),
                          reason: "Restarting", message: "m", type: "Warning", component: "tenant-provisioner",
                          at: Date(timeIntervalSince1970: 1_700_000_000.25))
        event.eventTime = MicroTime(Date(timeIntervalSince1970: 1_700_000_000.25))
        let text = String(decoding: try KubeJSON.encode(event), as: UTF8.self)
        #expect(text.contains(#""firstTimestamp":"2023-11-14T22:13:20Z""#))
        #expect(text.contains(#""eventTime":"2023-11-14T22:13:20.250000Z""#))
        #expect(text.contains(#""involvedObject":{"apiVersion":"batch/v1","kind":"Job""#))
    }

    @Test func listDecodesMetadataAndNullItems() throws {
        let list = try KubeJSON.decode(KubeList<JobSummary>.self, from: Data(#"{"kind":"JobList","metadata":{"resourceVersion":"9","continue":"c"},"items":null}"#.utf8))
        #expect(list.items.isEmpty)
        #expect(list.metadata.resourceVersion == "9")
        #expect(list.metadata.continue == "c")
    }

    @Test func statusDecodesIntoKubeError() {
        let body = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"jobs.batch \"x\" already exists","reason":"AlreadyExists","code":409,"details":{"name":"x","kind":"jobs","group":"batch"}}"#
        let error = KubeResponse(statusCode: 409, headers: [], body: Data(body.utf8)).error
        #expect(error.isAlreadyExists)
        #expect(error.statusCode == 409)
        #expect(error.description.contains("already exists"))
        guard case .api(let status) = error else { Issue.record("expected .api"); return }
        #expect(status.details?.name == "x")
    }

    @Test func nonStatusErrorBodyStillGivesCodeAndReason() {
        let error = KubeResponse(statusCode: 503, headers: [], body: Data("<html>busy</html>".utf8)).error
        #expect(error.statusCode == 503)
        #expect(error.reason == "ServiceUnavailable")
        #expect(error.isTransient)
    }

    @Test func http410IsGone() {
        let error = KubeResponse(statusCode: 410, headers: [], body: Data(#"{"kind":"Status","code":410,"reason":"Expired","message":"too old"}"#.utf8)).error
        #expect(error == .gone(message: "too old"))
    }

    @Test func warningHeadersAreUnquoted() {
        let response = KubeResponse(statusCode: 201, headers: [("warning", #"299 - "unknown field \"spec.foo\"""#), ("retry-after", "3")], body: Data())
        #expect(response.warnings == [#"unknown field "spec.foo""#])
        #expect(response.retryAfter == 3)
    }
}

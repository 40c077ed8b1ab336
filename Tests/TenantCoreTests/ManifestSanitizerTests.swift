import Common
import Testing
@testable import TenantCore

@Suite struct ManifestSanitizerTests {
    /// A Job as `GET /apis/batch/v1/namespaces/ns/jobs/nightly` returns it.
    static let fromServer: JSONValue = [
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": [
            "name": "nightly",
            "namespace": "ns",
            "uid": "1b2c",
            "resourceVersion": "4711",
            "generation": 1,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "selfLink": "/apis/batch/v1/namespaces/ns/jobs/nightly",
            "managedFields": [["manager": "kubectl"]],
            "labels": ["team": "data", "controller-uid": "1b2c", "batch.kubernetes.io/controller-uid": "1b2c", "job-name": "nightly", "batch.kubernetes.io/job-name": "nightly"],
            "annotations": ["owner": "data-team", "batch.kubernetes.io/job-tracking": ""],
            "ownerReferences": [["apiVersion": "example.com/v1", "kind": "Pipeline", "name": "p", "uid": "9z"]],
            "finalizers": ["example.com/keep", "foregroundDeletion"],
        ],
        "spec": [
            "backoffLimit": 0,
            "ttlSecondsAfterFinished": 600,
            "activeDeadlineSeconds": 3600,
            "podFailurePolicy": ["rules": [["action": "FailJob", "onExitCodes": ["operator": "In", "values": [42]]]]],
            "selector": ["matchLabels": ["batch.kubernetes.io/controller-uid": "1b2c"]],
            "template": [
                "metadata": [
                    "creationTimestamp": nil,
                    "labels": ["app": "nightly", "controller-uid": "1b2c", "batch.kubernetes.io/controller-uid": "1b2c", "job-name": "nightly", "batch.kubernetes.io/job-name": "nightly"],
                ],
                "spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox"]]],
            ],
        ],
        "status": ["failed": 1, "conditions": [["type": "Failed", "status": "True"]]],
    ]

    @Test func serverSetFieldsAreRemovedAndUserFieldsKept() {
        let expected: JSONValue = [
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": [
                "name": "nightly",
                "namespace": "ns",
                "labels": ["team": "data"],
                "annotations": ["owner": "data-team"],
                "ownerReferences": [["apiVersion": "example.com/v1", "kind": "Pipeline", "name": "p", "uid": "9z"]],
                "finalizers": ["example.com/keep"],
            ],
            "spec": [
                "backoffLimit": 0,
                "ttlSecondsAfterFinished": 600,
                "activeDeadlineSeconds": 3600,
                "podFailurePolicy": ["rules": [["action": "FailJob", "onExitCodes": ["operator": "In", "values": [42]]]]],
                "template": [
                    "metadata": ["labels": ["app": "nightly"]],
                    "spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox"]]],
                ],
            ],
        ]
        #expect(ManifestSanitizer.stripServerFields(Self.fromServer) == expected)
    }

    @Test func manualSelectorKeepsTheSelector() {
        var job = Self.fromServer
        job["spec"]?["manualSelector"] = true
        job["spec"]?["selector"] = ["matchLabels": ["app": "nightly"]]
        #expect(ManifestSanitizer.stripServerFields(job)["spec"]?["selector"] == ["matchLabels": ["app": "nightly"]])
    }

    @Test func userJobNameLabelWithAnotherValueIsKept() {
        var job = Self.fromServer
        job["metadata"]?["labels"]?["job-name"] = "billing"
        #expect(ManifestSanitizer.stripServerFields(job)["metadata"]?["labels"]?["job-name"] == "billing")
    }

    @Test func sanitizingTwiceChangesNothingMore() {
        let once = ManifestSanitizer.stripServerFields(Self.fromServer)
        #expect(ManifestSanitizer.stripServerFields(once) == once)
    }
}

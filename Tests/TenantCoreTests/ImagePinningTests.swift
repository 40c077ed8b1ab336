import Common
import Testing
@testable import TenantCore

@Suite struct ImagePinningTests {
    static let digestA = "sha256:" + String(repeating: "a", count: 64)
    static let digestB = "sha256:" + String(repeating: "b", count: 64)

    static let cronJob: JSONValue = [
        "kind": "CronJob",
        "spec": ["jobTemplate": ["spec": ["template": ["spec": [
            "initContainers": [["name": "init", "image": "busybox:1.36"]],
            "containers": [
                ["name": "main", "image": "ghcr.io/acme/worker:1.4"],
                ["name": "pinned", "image": .string("redis:7@\(digestB)")],
                ["name": "unknown", "image": "quay.io/x/y:2"],
                ["name": "odd", "image": "Not An Image"],
            ],
        ]]]]],
    ]

    @Test func pinsEveryContainerAndInitContainerWhereverThePodTemplateSits() throws {
        let known = ["ghcr.io/acme/worker:1.4": Self.digestA, "docker.io/library/busybox:1.36": Self.digestB]
        #expect(ImagePinning.images(in: Self.cronJob, kind: .cronJob) == ["ghcr.io/acme/worker:1.4", "redis:7@\(Self.digestB)", "quay.io/x/y:2", "Not An Image", "busybox:1.36"])
        let (pinned, results) = ImagePinning.pin(Self.cronJob, kind: .cronJob) { known[$0.key] }
        #expect(ImagePinning.images(in: pinned, kind: .cronJob) == [
            "ghcr.io/acme/worker:1.4@\(Self.digestA)", "redis:7@\(Self.digestB)", "quay.io/x/y:2", "Not An Image", "busybox:1.36@\(Self.digestB)",
        ])
        #expect(results.count == 5)
        if case .pinned(let reference, let digest) = results[0] { #expect(reference.repository == "acme/worker" && digest == Self.digestA) } else { Issue.record("\(results[0])") }
        #expect(results[1] == .alreadyPinned)
        if case .unresolved(let reference) = results[2] { #expect(reference.key == "quay.io/x/y:2") } else { Issue.record("\(results[2])") }
        if case .invalid = results[3] {} else { Issue.record("\(results[3])") }
        // Everything but the images is untouched.
        var unpinned = pinned
        JobTemplate.update(&unpinned, at: ["spec", "jobTemplate", "spec", "template", "spec"]) { _ in Self.cronJob["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]! }
        #expect(unpinned == Self.cronJob)
    }

    @Test func aJobsPodTemplateIsUnderSpecTemplate() {
        let job: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "m", "image": "busybox"]]]]]]
        let (pinned, _) = ImagePinning.pin(job, kind: .job) { _ in Self.digestA }
        #expect(pinned["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"] == .string("busybox:latest@\(Self.digestA)"))
    }
}

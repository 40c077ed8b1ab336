import Common
import Foundation
import Testing
@testable import TenantCore

/// `ImagePins` (the image-digests annotation), rendering with pins, and the images a template names.
@Suite struct ImagePinsTests {
    static let a = "sha256:" + String(repeating: "a", count: 64)
    static let b = "sha256:" + String(repeating: "b", count: 64)
    static let c = "sha256:" + String(repeating: "c", count: 64)

    static let template = try! JobTemplate.parse(yaml: """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: tenant
        spec:
          template:
            spec:
              restartPolicy: Never
              initContainers:
                - name: init
                  image: busybox:1.36
              containers:
                - name: main
                  image: registry.example:5000/acme/worker:1.4
                - name: side
                  image: busybox:1.36
                - name: pinned
                  image: "redis:7@\(c)"
        """, file: "t.yaml")
    static let account = Account(id: "acme", isActive: true, config: [:], generation: 1)

    @Test func theTextIsCanonicalAndReadBack() {
        let pins = ImagePins(["z.io/x:1": Self.b, "docker.io/library/busybox:1.36": Self.a])
        #expect(pins.text == "{\"docker.io/library/busybox:1.36\":\"\(Self.a)\",\"z.io/x:1\":\"\(Self.b)\"}")
        #expect(ImagePins(annotation: pins.text) == pins)
        // Spaced out as PostgreSQL prints jsonb: the same pins, the canonical text.
        #expect(ImagePins(annotation: "{\"z.io/x:1\": \"\(Self.b)\", \"docker.io/library/busybox:1.36\": \"\(Self.a)\"}")?.text == pins.text)
        #expect(ImagePins().text == "{}")
        #expect(ImagePins(annotation: "not json") == nil)
        #expect(ImagePins(annotation: "[]") == nil)
        #expect(ImagePins(annotation: "{\"x:1\": \"latest\"}") == nil, "a value that is no sha256 digest")
    }

    @Test func changesListWhatLatestMovesInKeyOrder() {
        let running = ImagePins(["x:1": Self.a, "y:1": Self.b, "gone:1": Self.c])
        let latest = ImagePins(["x:1": Self.a, "y:1": Self.c, "new:1": Self.b])
        #expect(running.changes(to: latest) == [ImageChange(image: "new:1", from: nil, to: Self.b), ImageChange(image: "y:1", from: Self.b, to: Self.c)])
        #expect(latest.changes(to: latest).isEmpty)
        #expect(ImageChange(image: "y:1", from: nil, to: Self.c).description == "y:1 (tag) → \(Self.c)")
        #expect(ImageChange(image: "y:1", from: Self.b, to: Self.c).json == ["image": "y:1", "from": .string(Self.b), "to": .string(Self.c)])
        #expect(ImagePins(["x:1": Self.a, "y:1": Self.b]).restricted(to: ["y:1", "z:1"]) == ImagePins(["y:1": Self.b]))
    }

    @Test func renderPinsEveryImageItKnowsAndSaysSoInTheAnnotation() throws {
        let pins = ImagePins(["docker.io/library/busybox:1.36": Self.a, "registry.example:5000/acme/worker:1.4": Self.b])
        let job = try Self.template.render(account: Self.account, namespace: "t", instance: "default", pins: pins)
        let spec = job.manifest["spec"]!["template"]!["spec"]!
        #expect(spec["initContainers"]?.arrayValue?[0]["image"] == .string("busybox:1.36@\(Self.a)"))
        #expect(spec["containers"]?.arrayValue?[0]["image"] == .string("registry.example:5000/acme/worker:1.4@\(Self.b)"))
        #expect(spec["containers"]?.arrayValue?[1]["image"] == .string("busybox:1.36@\(Self.a)"))
        #expect(spec["containers"]?.arrayValue?[2]["image"] == .string("redis:7@\(Self.c)"), "pinned in the template: left as it is")
        #expect(job.manifest["metadata"]?["annotations"]?[ManagedMetadata.imageDigestsAnnotation] == .string(pins.text))
        #expect(job.pins == pins)
        // The digests are under the spec hash: a moved tag changes it.
        let moved = try Self.template.render(account: Self.account, namespace: "t", instance: "default",
                                             pins: ImagePins(["docker.io/library/busybox:1.36": Self.c, "registry.example:5000/acme/worker:1.4": Self.b]))
        #expect(moved.specHash != job.specHash)
        #expect(moved.specHash == SpecHash.of(manifest: moved.manifest, generation: 1))
    }

    @Test func anImageWithoutDigestKeepsItsTagAndIsReported() throws {
        let job = try Self.template.render(account: Self.account, namespace: "t", instance: "default",
                                           pins: ImagePins(["docker.io/library/busybox:1.36": Self.a]))
        #expect(job.manifest["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?[0]["image"] == "registry.example:5000/acme/worker:1.4")
        #expect(job.pins == ImagePins(["docker.io/library/busybox:1.36": Self.a]), "the annotation names only what was pinned")
        #expect(job.pinning.contains { if case .unresolved(let r) = $0 { r.key == "registry.example:5000/acme/worker:1.4" } else { false } })
    }

    /// Turning RESOLVE_IMAGE_DIGESTS on must not by itself recreate every workload: with nothing
    /// to pin, the render is byte for byte the one without pinning.
    @Test func noDigestKnownRendersExactlyTheUnpinnedJob() throws {
        let plain = try Self.template.render(account: Self.account, namespace: "t", instance: "default")
        let empty = try Self.template.render(account: Self.account, namespace: "t", instance: "default", pins: ImagePins())
        #expect(empty.manifest == plain.manifest && empty.specHash == plain.specHash)
        #expect(plain.manifest["metadata"]?["annotations"]?[ManagedMetadata.imageDigestsAnnotation] == nil)
    }

    @Test func namedImagesAreTheTemplatesUnpinnedTagsOnce() {
        let (references, problems) = Self.template.namedImages
        #expect(references.map(\.key) == ["registry.example:5000/acme/worker:1.4", "docker.io/library/busybox:1.36"])
        #expect(problems.isEmpty)
    }

    @Test func anImageFromAPlaceholderOrNoImageAtAllIsAProblem() throws {
        let template = try JobTemplate.parse(yaml: TemplateFixtures.minimal().replacingOccurrences(of: "image: busybox", with: "image: \"worker:{{ config.tag }}\""),
                                             file: "t.yaml")
        let (references, problems) = template.namedImages
        #expect(references.isEmpty)
        #expect(problems == ["spec.template.spec.containers[0].image is built from a placeholder; with RESOLVE_IMAGE_DIGESTS the images must be named in the template (pin per-account images yourself with @sha256:…, or turn RESOLVE_IMAGE_DIGESTS off)"])
        let bad = try JobTemplate.parse(yaml: TemplateFixtures.minimal().replacingOccurrences(of: "image: busybox", with: "image: Worker"), file: "t.yaml")
        #expect(bad.namedImages.problems.first?.hasPrefix("spec.template.spec.containers[0].image: image Worker:") == true)
    }
}

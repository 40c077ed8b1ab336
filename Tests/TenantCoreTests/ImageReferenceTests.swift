import Testing
@testable import TenantCore

@Suite struct ImageReferenceTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    @Test(arguments: [
        // (image, domain, repository, tag, pinned, API host)
        ("busybox", "docker.io", "library/busybox", "latest", false, "registry-1.docker.io"),
        ("busybox:1.36", "docker.io", "library/busybox", "1.36", false, "registry-1.docker.io"),
        ("bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", false, "registry-1.docker.io"),
        ("ghcr.io/acme/worker:1.4", "ghcr.io", "acme/worker", "1.4", false, "ghcr.io"),
        ("localhost:5000/worker", "localhost:5000", "worker", "latest", false, "localhost:5000"),
        ("localhost/worker:dev", "localhost", "worker", "dev", false, "localhost"),
        ("registry.example.com:8443/a/b/c:v1", "registry.example.com:8443", "a/b/c", "v1", false, "registry.example.com:8443"),
        ("worker:1.4@\(digest)", "docker.io", "library/worker", "1.4", true, "registry-1.docker.io"),
        ("ghcr.io/acme/worker@\(digest)", "ghcr.io", "acme/worker", "latest", true, "ghcr.io"),
        ("my_org/my__image--x.y:1", "docker.io", "my_org/my__image--x.y", "1", false, "registry-1.docker.io"),
    ] as [(String, String, String, String, Bool, String)])
    func parsesLikeAContainerRuntime(image: String, domain: String, repository: String, tag: String, pinned: Bool, apiHost: String) throws {
        let reference = try ImageReference.parse(image).get()
        #expect(reference.domain == domain && reference.repository == repository && reference.tag == tag)
        #expect(reference.isPinned == pinned)
        #expect(reference.apiHost == apiHost)
    }

    @Test func aPinnedReferenceKeepsTheNameAsWrittenAndTheTag() throws {
        #expect(try ImageReference.parse("busybox").get().pinned(to: Self.digest) == "busybox:latest@\(Self.digest)")
        #expect(try ImageReference.parse("ghcr.io/acme/worker:1.4").get().pinned(to: Self.digest) == "ghcr.io/acme/worker:1.4@\(Self.digest)")
        #expect(try ImageReference.parse("busybox").get().key == "docker.io/library/busybox:latest")
    }

    @Test(arguments: [
        ("", "empty"),
        ("Busybox:1", "repository"),
        ("busybox:-bad", "tag"),
        ("busybox@sha256:1234", "digest"),
        ("busybox@md5:" + String(repeating: "a", count: 32), "digest"),
        ("exa mple.com/x", "registry host"),
        ("example.com:99999/x", "registry host"),
        ("a//b", "repository"),
        ("a-/b", "repository"),
    ])
    func refusesWhatIsNotAnImage(image: String, mentions: String) {
        guard case .failure(let error) = ImageReference.parse(image) else {
            Issue.record("\(image) parsed")
            return
        }
        #expect(error.problem.contains(mentions), "\(error)")
    }
}

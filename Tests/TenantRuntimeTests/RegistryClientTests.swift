import Common
import Foundation
import TenantCore
import TestSupport
import Testing
@testable import TenantRuntime

/// `RegistryClient` against the in-repo fake registry (tools/fake-registry): the token flow,
/// credentials, the multi-arch index chosen over a platform manifest, tag moves, outages.
@Suite struct RegistryClientTests {
    static func reference(_ registry: FakeRegistry, _ name: String, tag: String) throws -> ImageReference {
        try ImageReference.parse("\(registry.host)/\(name):\(tag)").get()
    }

    static func client(_ registry: FakeRegistry) -> RegistryClient {
        RegistryClient(insecureRegistries: [registry.host], requestTimeout: 10)
    }

    @Test(arguments: ["oci", "docker"])
    func aPublicTagResolvesToItsIndexDigestThroughTheTokenFlow(indexType: String) async throws {
        try await FakeRegistry.with { registry in
            let pushed = try await registry.pushTag("acme/worker", tag: "1.4", indexType: indexType)
            let client = Self.client(registry)
            let digest = try await client.digest(of: try Self.reference(registry, "acme/worker", tag: "1.4"), credentials: nil).get()
            #expect(digest == pushed.digest, "the index's digest, which every architecture shares")
            #expect(!pushed.platformDigests.values.contains(digest))
            let log = try await registry.requests().map { "\($0["method"]?.stringValue ?? "") \($0["path"]?.stringValue ?? "") \($0["status"]?.integerValue ?? 0)" }
            #expect(log == ["HEAD /v2/acme/worker/manifests/1.4 401", "GET /token 200", "HEAD /v2/acme/worker/manifests/1.4 200"], "\(log)")

            // Moved: a new digest, asked with the token already held.
            let moved = try await registry.pushTag("acme/worker", tag: "1.4", indexType: indexType)
            #expect(moved.digest != pushed.digest)
            #expect(try await client.digest(of: try Self.reference(registry, "acme/worker", tag: "1.4"), credentials: nil).get() == moved.digest)
            #expect(try await registry.requests().count == 4, "no second token request")
        }
    }

    @Test func aTagWithoutAnIndexResolvesToItsManifest() async throws {
        try await FakeRegistry.with { registry in
            let pushed = try await registry.pushTag("acme/single", tag: "1", index: false)
            let digest = try await Self.client(registry).digest(of: try Self.reference(registry, "acme/single", tag: "1"), credentials: nil).get()
            #expect(digest == pushed.digest)
        }
    }

    @Test func aPrivateRepositoryNeedsThePullSecretsCredentials() async throws {
        try await FakeRegistry.with { registry in
            let pushed = try await registry.pushTag("acme/private", tag: "2", private: true)
            try await registry.addUser("robot", password: "s3cret-pull", repositories: ["acme/private"])
            let reference = try Self.reference(registry, "acme/private", tag: "2")
            let anonymous = await Self.client(registry).digest(of: reference, credentials: nil)
            guard case .failure(let refused) = anonymous else { Issue.record("anonymous pull of a private repository"); return }
            #expect(refused.status == 401 || refused.status == 404, "\(refused)")
            let right = RegistryCredentials(username: "robot", password: "s3cret-pull")
            #expect(try await Self.client(registry).digest(of: reference, credentials: right).get() == pushed.digest)
            let wrong = await Self.client(registry).digest(of: reference, credentials: RegistryCredentials(username: "robot", password: "wrong-pw"))
            guard case .failure(let error) = wrong else { Issue.record("a wrong password worked"); return }
            #expect(error.description.contains("refused the credentials of robot"), "\(error)")
            #expect(!error.description.contains("wrong-pw") && !error.description.contains("s3cret"))
            let logged = try await registry.requests().map(\.canonicalJSON).joined()
            #expect(!logged.contains("s3cret-pull") && !logged.contains("wrong-pw"))
        }
    }

    @Test func anOutageAndAMissingTagAreErrorsNamingTheStatus() async throws {
        try await FakeRegistry.with { registry in
            try await registry.pushTag("acme/worker", tag: "1", indexType: "oci")
            let client = Self.client(registry)
            let reference = try Self.reference(registry, "acme/worker", tag: "1")
            try await registry.startOutage(status: 503)
            guard case .failure(let down) = await client.digest(of: reference, credentials: nil) else { Issue.record("resolved during an outage"); return }
            #expect(down.status == 503)
            try await registry.endOutage()
            #expect(try await client.digest(of: reference, credentials: nil).get().hasPrefix("sha256:"))
            guard case .failure(let missing) = await client.digest(of: try Self.reference(registry, "acme/worker", tag: "nope"), credentials: nil) else {
                Issue.record("an unknown tag resolved"); return
            }
            #expect(missing.status == 404 && missing.description.contains("has no tag nope"))
        }
    }

    /// Plain HTTP only for INSECURE_REGISTRIES: another host is asked over HTTPS, which a plain
    /// HTTP server cannot answer.
    @Test func aHostNotListedAsInsecureIsAskedOverHTTPS() async throws {
        try await FakeRegistry.with { registry in
            try await registry.pushTag("acme/worker", tag: "1")
            let strict = RegistryClient(insecureRegistries: [], requestTimeout: 5)
            guard case .failure(let error) = await strict.digest(of: try Self.reference(registry, "acme/worker", tag: "1"), credentials: nil) else {
                Issue.record("resolved over plain HTTP without being listed"); return
            }
            #expect(error.status == nil && error.description.contains("https://\(registry.host)"), "\(error)")
        }
    }

    @Test func realmURLsSplitIntoOriginAndTarget() {
        #expect(RegistryClient.split("https://auth.docker.io/token")! == ("https://auth.docker.io", "/token"))
        #expect(RegistryClient.split("http://127.0.0.1:5000/token?x=1")! == ("http://127.0.0.1:5000", "/token?x=1"))
        #expect(RegistryClient.split("https://auth.example")! == ("https://auth.example", "/"))
        #expect(RegistryClient.split("ftp://x/y") == nil)
    }
}

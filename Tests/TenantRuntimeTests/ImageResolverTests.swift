import Common
import Foundation
import TenantCore
import TestSupport
import Testing
@testable import TenantRuntime

/// `ImageResolver` against the fake registry: asked once per interval, a moved tag reported,
/// an outage keeps the last known digest (warned, counted), credentials used and never logged.
@Suite struct ImageResolverTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func resolvesCachesKeepsTheLastKnownDigestThroughAnOutageAndSeesAMove() async throws {
        try await FakeRegistry.with { registry in
            let first = try await registry.pushTag("acme/private", tag: "1.4", private: true)
            try await registry.addUser("robot", password: "pull-s3cret", repositories: ["acme/private"])
            let sink = LogSink.memory()
            let metrics = Metrics()
            let resolver = ImageResolver(client: RegistryClient(insecureRegistries: [registry.host], requestTimeout: 10), interval: 300,
                                         credentials: { domain in domain == registry.host ? RegistryCredentials(username: "robot", password: "pull-s3cret") : nil },
                                         logger: Logger(label: "test", sink: sink), metrics: metrics)
            let reference = try ImageReference.parse("\(registry.host)/acme/private:1.4").get()
            await resolver.want(reference)
            await resolver.want(try ImageReference.parse("busybox@sha256:" + String(repeating: "c", count: 64)).get())
            #expect(await resolver.refresh(now: Self.t0).isEmpty)
            #expect(await resolver.table == [reference.key: first.digest], "pinned images are never asked about")
            let asked = try await registry.requests().count

            // Within the interval: nothing asked.
            await resolver.refresh(now: Self.t0 + 299)
            #expect(try await registry.requests().count == asked)

            // An outage after the interval: the last known digest stays, warned and counted.
            try await registry.startOutage(status: 503)
            await resolver.refresh(now: Self.t0 + 300)
            #expect(await resolver.table == [reference.key: first.digest])
            #expect(metrics.value("tenant_provisioner_image_resolve_failures_total") == 1)
            #expect(sink.lines.contains { $0.contains("the last known digest stays") && $0.contains("503") })

            // Back, and the tag moved meanwhile: seen at the retry (30 s after the failure).
            try await registry.endOutage()
            let moved = try await registry.pushTag("acme/private", tag: "1.4")
            let changes = await resolver.refresh(now: Self.t0 + 330)
            #expect(changes.map(\.key) == [reference.key] && changes.first?.from == first.digest && changes.first?.to == moved.digest)
            #expect(await resolver.table == [reference.key: moved.digest])
            #expect(!sink.lines.joined().contains("pull-s3cret"), "no password in the log")
        }
    }
}

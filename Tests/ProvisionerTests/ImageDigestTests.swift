import Common
import Foundation
import Postgres
import TestSupport
import Testing
import TenantCore
import TenantRuntime

/// SPEC "Image digests", end to end: the provisioner with `RESOLVE_IMAGE_DIGESTS=true` and the
/// Role of deploy/overlays/image-digests (secrets `get` on `registry-credentials` only), the
/// in-repo fake registry (token flow, private repository, multi-arch index, tag moves, outages)
/// and the emulator serving the pull Secret.
@Suite(.serialized) struct ImageDigestTests {
    static let password = "pw-Sup3r-s3cret-9f1c"
    static let worker = "acme/worker"
    static let initImage = "tools/init"

    /// A Job whose init container and worker come from the fake registry (the worker from a
    /// private repository, read with the pull Secret), plus a sidecar pinned in the template.
    static func template(_ registry: FakeRegistry) -> String {
        """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: worker
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              imagePullSecrets:
                - name: registry-credentials
              initContainers:
                - name: prepare
                  image: \(registry.host)/\(initImage):1
              containers:
                - name: worker
                  image: \(registry.host)/\(worker):1.4
                  command: ["sleep", "3600"]
                - name: pinned
                  image: "\(registry.host)/\(initImage):1@sha256:\(String(repeating: "e", count: 64))"

        """
    }

    static func key(_ registry: FakeRegistry, _ image: String) -> String {
        "\(registry.host)/\(image == worker ? "\(worker):1.4" : "\(initImage):1")"
    }

    static func environment(_ registry: FakeRegistry, rolls: Int = 10, poll: String = "1") -> [String: String] {
        ["RESOLVE_IMAGE_DIGESTS": "true", "INSECURE_REGISTRIES": registry.host, "IMAGE_RESOLVE_INTERVAL": "1",
         "MAX_IMAGE_ROLLS_PER_PASS": String(rolls), "POLL_INTERVAL": poll]
    }

    /// The private worker repository readable by `robot`, a public init image, both tagged; the
    /// pull Secret of the template with `password`.
    static func setUp(_ registry: FakeRegistry, _ f: ProvisionerFixture, password: String = Self.password) async throws
        -> (worker: String, initImage: String) {
        try await registry.addUser("robot", password: Self.password, repositories: [worker])
        let pushed = try await registry.pushTag(worker, tag: "1.4", private: true)
        #expect(!pushed.platformDigests.isEmpty && !pushed.platformDigests.values.contains(pushed.digest))
        let initPushed = try await registry.pushTag(initImage, tag: "1", indexType: "docker")
        try await writeSecret(registry, f, password: password)
        return (pushed.digest, initPushed.digest)
    }

    static func writeSecret(_ registry: FakeRegistry, _ f: ProvisionerFixture, password: String) async throws {
        _ = try await f.kubectl(["delete", "secret", "registry-credentials", "--ignore-not-found"])
        let created = try await f.kubectl(["create", "secret", "docker-registry", "registry-credentials", "--docker-server=\(registry.host)",
                                           "--docker-username=robot", "--docker-password=\(password)"])
        #expect(created.code == 0, "\(created.stderr)")
    }

    /// The images of a Job's init containers and containers, in that order.
    static func images(_ f: ProvisionerFixture, _ name: String) async throws -> [String]? {
        guard let job = try await f.job(name), job["metadata"]?["deletionTimestamp"] == nil else { return nil }
        let spec = job["spec"]?["template"]?["spec"]
        return ["initContainers", "containers"].flatMap { field in (spec?[field]?.arrayValue ?? []).compactMap { $0["image"]?.stringValue } }
    }

    static func expected(_ registry: FakeRegistry, worker: String?, initImage: String?) -> [String] {
        [initImage.map { "\(registry.host)/\(Self.initImage):1@\($0)" } ?? "\(registry.host)/\(Self.initImage):1",
         worker.map { "\(registry.host)/\(Self.worker):1.4@\($0)" } ?? "\(registry.host)/\(Self.worker):1.4",
         "\(registry.host)/\(Self.initImage):1@sha256:\(String(repeating: "e", count: 64))"]
    }

    static func waitForImages(_ f: ProvisionerFixture, _ p: RunningProvisioner, accounts: [String], _ images: [String], timeout: Double = 30) async throws {
        try await eventually("the Jobs of \(accounts) running \(images)", timeout: timeout, log: p.logTail) {
            for id in accounts where try await Self.images(f, "worker-\(id)") != images { return false }
            return true
        }
    }

    /// `account_status.image_digests` as a dictionary.
    static func rowDigests(_ f: ProvisionerFixture, _ id: String) async throws -> [String: String]? {
        guard let row = try await f.query("SELECT image_digests::text FROM account_status WHERE account_id = $1", [.text(id)]).first,
              let text: String = try row.decode(0) else { return nil }
        return try JSONValue.parse(Data(text.utf8)).objectValue?.compactMapValues(\.stringValue)
    }

    struct Roll {
        var account: String
        var at: Date
        var changes: JSONValue?
        var isRoll: Bool
    }

    /// The audit entries of replacements that moved images, in order.
    static func rolls(_ f: ProvisionerFixture) async throws -> [Roll] {
        try await f.query("""
            SELECT account_id, at, details->'image_changes', coalesce((details->>'image_roll')::boolean, false) FROM audit_log
            WHERE action IN ('recreate', 'update') AND details ? 'image_changes' ORDER BY at
            """).map { row in
            let changes: String? = try row.decode(2)
            return Roll(account: try row.decode(0), at: try row.decode(1), changes: try changes.map { try JSONValue.parse(Data($0.utf8)) },
                        isRoll: try row.decode(3))
        }
    }

    static func expectNoSecretIn(_ texts: [String]) {
        for text in texts {
            #expect(!text.contains(password), "the pull Secret's password was printed")
            #expect(!text.contains("Bearer ") && !text.contains("Basic "), "an Authorization value was printed")
            #expect(!text.contains(Data("robot:\(password)".utf8).base64EncodedString()), "the encoded credentials were printed")
        }
    }

    @Test func everyImageIsPinnedToTheIndexDigestWithThePullSecretsCredentials() async throws {
        try await FakeRegistry.with { registry in
            try await ProvisionerFixture.with(template: Self.template(registry), install: DeployManifests.imageDigests) { f in
                let digests = try await Self.setUp(registry, f)
                for id in ["a", "b"] { try await f.insertAccount(id) }
                let p = try f.start([], Self.environment(registry))
                let want = Self.expected(registry, worker: digests.worker, initImage: digests.initImage)
                try await Self.waitForImages(f, p, accounts: ["a", "b"], want)

                // Created pinned from the start (the first pass waited for the registry): no roll.
                #expect(try await Self.rolls(f).isEmpty)
                #expect(try await f.audit(action: "recreate").isEmpty)
                let job = try #require(try await f.job("worker-a"))
                let pins = [Self.key(registry, Self.worker): digests.worker, Self.key(registry, Self.initImage): digests.initImage]
                #expect(job["metadata"]?["annotations"]?["tenant-provisioner/image-digests"]?.stringValue.flatMap {
                    try? JSONValue.parse(Data($0.utf8)).objectValue?.compactMapValues(\.stringValue) } == pins)
                try await eventually("account_status.image_digests", log: p.logTail) { try await Self.rowDigests(f, "a") == pins }

                // The private repository was read with a token for robot, asked for the index
                // types first; the answer was the index, not the amd64 manifest.
                let log = try await registry.requests()
                let asked = log.filter { $0["path"]?.stringValue == "/v2/\(Self.worker)/manifests/1.4" && $0["status"]?.integerValue == 200 }
                #expect(!asked.isEmpty)
                #expect(asked.allSatisfy { $0["user"] == "robot" && $0["authorization"] == "bearer" })
                #expect(asked.first?["accept"]?.arrayValue?.first == "application/vnd.oci.image.index.v1+json")

                // /metrics: the tenants on each digest.
                try await eventually("the digest gauge", log: p.logTail) {
                    await p.metric(#"tenant_provisioner_image_digest_workloads{digest="\#(digests.worker)",image="\#(Self.key(registry, Self.worker))"}"#) == 2
                }
                #expect(await p.metric("tenant_provisioner_image_rolls_waiting") == 0)
                #expect(await p.metric("tenant_provisioner_images_unresolved") == 0)
                Self.expectNoSecretIn([p.log, try await f.query("SELECT string_agg(details::text || coalesce(reason, ''), ' ') FROM audit_log").first?.decode(0) ?? ""])
            }
        }
    }

    /// A moved tag: `provisioner plan` shows the roll and the waiting ones with both digests;
    /// the provisioner rolls MAX_IMAGE_ROLLS_PER_PASS per POLL_INTERVAL, each roll audited with
    /// the old and new digest, until every tenant runs the new one.
    @Test func aMovedTagRollsTheTenantsWithinTheBudget() async throws {
        try await FakeRegistry.with { registry in
            try await ProvisionerFixture.with(template: Self.template(registry), install: DeployManifests.imageDigests) { f in
                let digests = try await Self.setUp(registry, f)
                let ids = ["t1", "t2", "t3", "t4", "t5"]
                for id in ids { try await f.insertAccount(id) }
                let first = try f.start([], Self.environment(registry))
                let old = Self.expected(registry, worker: digests.worker, initImage: digests.initImage)
                try await Self.waitForImages(f, first, accounts: ids, old)
                first.process.signal(SIGTERM)
                await first.process.wait(timeout: 20)

                let moved = try await registry.pushTag(Self.worker, tag: "1.4", private: true).digest
                #expect(moved != digests.worker)
                let workerKey = Self.key(registry, Self.worker)
                let plan = try await f.run(["plan"], Self.environment(registry, rolls: 2))
                #expect(plan.code == 0, "\(plan.stderr)")
                let lines = plan.stdout.split(separator: "\n").map(String.init)
                #expect(lines.filter { $0.hasPrefix("recreate") }.count == 2)
                #expect(lines.contains { $0.hasPrefix("recreate") && $0.contains("account \"t1\": image roll (tag moved): \(workerKey) \(digests.worker) → \(moved)") })
                let pending = lines.filter { $0.hasPrefix("roll-pending") }
                #expect(pending.count == 3 && pending.allSatisfy { $0.contains("\(workerKey) \(digests.worker) → \(moved)") }, "\(plan.stdout)")
                #expect(pending.first?.contains("account \"t3\"") == true)
                #expect(try await Self.rolls(f).isEmpty, "plan changes nothing")

                let poll = 4.0
                let p = try f.start([], Self.environment(registry, rolls: 2, poll: String(poll)))
                let new = Self.expected(registry, worker: moved, initImage: digests.initImage)
                try await Self.waitForImages(f, p, accounts: ids, new, timeout: 60)

                let rolls = try await Self.rolls(f)
                // One roll per tenant, in account-id order two at a time (the two of one pass run
                // on two workers, so their audit rows may come in either order).
                #expect(rolls.count == ids.count)
                #expect(stride(from: 0, to: rolls.count, by: 2).map { Set(rolls[$0..<min($0 + 2, rolls.count)].map(\.account)) }
                        == [["t1", "t2"], ["t3", "t4"], ["t5"]], "\(rolls.map(\.account))")
                for roll in rolls {
                    #expect(roll.isRoll)
                    #expect(roll.changes == [["image": .string(workerKey), "from": .string(digests.worker), "to": .string(moved)]])
                }
                // Never more than 2 in one POLL_INTERVAL: the third roll comes a window after the
                // first (the budget is spent when a roll is handed to the workers; the audit row
                // is written when its delete returned, a moment later: 1.5 s of slack).
                for i in rolls.indices.dropFirst(2) {
                    #expect(rolls[i].at.timeIntervalSince(rolls[i - 2].at) >= poll - 1.5, "rolls \(i - 2) and \(i) within one interval: \(rolls.map(\.at))")
                }
                // The audit row and the status row are written once the create returned.
                try await eventually("each successor's create audited with its digests, each row naming the new digest", log: p.logTail) {
                    let created = try await f.query("SELECT count(*) FROM audit_log WHERE action = 'recreate' AND details->>'step' = 'create' AND details ? 'image_digests'").first?.decode(0, as: Int.self)
                    guard created == ids.count else { return false }
                    for id in ids where try await Self.rowDigests(f, id)?[workerKey] != moved { return false }
                    return true
                }
                try await eventually("nothing waits, five rolls counted", log: p.logTail) {
                    let waiting = await p.metric("tenant_provisioner_image_rolls_waiting")
                    let total = await p.metric("tenant_provisioner_image_rolls_total")
                    return waiting == 0 && total == 5
                }
                Self.expectNoSecretIn([p.log, first.process.standardError, plan.stdout, plan.stderr])
            }
        }
    }

    /// The registry down from the start: a new tenant gets the tag (the reason logged), and its
    /// digest once the registry answers (a roll). Down again while the tag moves: nothing rolls,
    /// a new tenant gets the last known digest, readiness stays; back: everyone rolls.
    @Test func aRegistryOutageChangesNothingAndTheRollFollowsItsReturn() async throws {
        try await FakeRegistry.with { registry in
            try await ProvisionerFixture.with(template: Self.template(registry), install: DeployManifests.imageDigests) { f in
                let digests = try await Self.setUp(registry, f)
                try await registry.startOutage()
                try await f.insertAccount("a")
                let p = try f.start([], Self.environment(registry))
                try await Self.waitForImages(f, p, accounts: ["a"], Self.expected(registry, worker: nil, initImage: nil))
                try await eventually("the reason in the log", log: p.logTail) { p.log.contains("image not pinned: no digest known for its tag yet") }
                #expect(p.log.contains("image digest not resolved; the tag is used as it is until the registry answers"))
                #expect(await p.metric("tenant_provisioner_images_unresolved") == 2)
                #expect(try await Self.rowDigests(f, "a") == nil)

                try await registry.endOutage()
                let first = Self.expected(registry, worker: digests.worker, initImage: digests.initImage)
                try await Self.waitForImages(f, p, accounts: ["a"], first)
                #expect(try await Self.rolls(f).first?.changes?.arrayValue?.allSatisfy { $0["from"] == .null } == true, "rolled from the tag")

                try await registry.startOutage()
                let failuresBefore = await p.metric("tenant_provisioner_image_resolve_failures_total") ?? 0
                let moved = try await registry.pushTag(Self.worker, tag: "1.4", private: true).digest
                try await f.insertAccount("b")
                try await Self.waitForImages(f, p, accounts: ["b"], first)
                try await eventually("failures counted", log: p.logTail) {
                    await p.metric("tenant_provisioner_image_resolve_failures_total") ?? 0 > failuresBefore + 2
                }
                #expect(try await Self.images(f, "worker-a") == first, "no roll while the registry is down")
                #expect(await p.get("/readyz")?.status == 200, "readiness does not depend on the registry")
                #expect(p.log.contains("image digest not refreshed; the last known digest stays"))

                try await registry.endOutage()
                try await Self.waitForImages(f, p, accounts: ["a", "b"], Self.expected(registry, worker: moved, initImage: digests.initImage))
                Self.expectNoSecretIn([p.log])
            }
        }
    }

    /// The pull Secret's password changed to a wrong one while the tag moved: the registry's
    /// refusal is reported (log, /metrics), nothing rolls, new tenants get the last known digest.
    @Test func aBadPasswordIsReportedAndNothingRolls() async throws {
        try await FakeRegistry.with { registry in
            try await ProvisionerFixture.with(template: Self.template(registry), install: DeployManifests.imageDigests) { f in
                let digests = try await Self.setUp(registry, f)
                try await f.insertAccount("a")
                let p = try f.start([], Self.environment(registry))
                let pinned = Self.expected(registry, worker: digests.worker, initImage: digests.initImage)
                try await Self.waitForImages(f, p, accounts: ["a"], pinned)

                let wrong = "wrong-" + Self.password
                try await Self.writeSecret(registry, f, password: wrong)
                _ = try await registry.control("POST", "/tokens/expire")
                let failuresBefore = await p.metric("tenant_provisioner_image_resolve_failures_total") ?? 0
                try await registry.pushTag(Self.worker, tag: "1.4", private: true)
                try await eventually("the refusal reported", log: p.logTail) {
                    await p.metric("tenant_provisioner_image_resolve_failures_total") ?? 0 > failuresBefore + 1
                        && p.log.contains("image digest not refreshed") && p.log.contains(Self.key(registry, Self.worker))
                }
                try await f.insertAccount("b")
                try await Self.waitForImages(f, p, accounts: ["b"], pinned)
                #expect(try await Self.images(f, "worker-a") == pinned)
                #expect(try await Self.rolls(f).isEmpty)
                Self.expectNoSecretIn([p.log])
                #expect(!p.log.contains(wrong))
            }
        }
    }

    /// deploy/overlays/image-digests adds exactly `get` on the Secret its template names
    /// (resourceNames: no list, no watch, no other Secret) to the base Role, and nothing else.
    @Test func theOverlayAddsOnlyGetOnTheNamedSecret() async throws {
        let base = try await ServiceAccounts.provisionerRole(DeployManifests.install)
        let rendered = try await DeployManifests.rendered(DeployManifests.imageDigests, namespace: "tenants")
        let role = try rendered.object(kind: "Role", name: "tenant-provisioner")
        #expect(RBACTests.permissions(of: role) == RBACTests.permissions(of: base).union([RBACTests.permission("core/secrets/get")]))
        let secretRules = (role["rules"]?.arrayValue ?? []).filter { $0["resources"]?.arrayValue?.contains("secrets") == true }
        #expect(secretRules == [["apiGroups": [""], "resources": ["secrets"], "resourceNames": ["registry-credentials"], "verbs": ["get"]]])
        #expect(!rendered.objects.contains { $0["kind"] == "ClusterRole" || $0["kind"] == "ClusterRoleBinding" })
        let env = try rendered.object(kind: "Deployment", name: "tenant-provisioner")["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["env"]
        #expect(env?.arrayValue?.contains(["name": "RESOLVE_IMAGE_DIGESTS", "value": "true"]) == true)
        // The template it ships names that Secret and images the provisioner can pin.
        let template = try JobTemplate.load(path: BuildProducts.packageRoot.appendingPathComponent("deploy/overlays/image-digests/job-template.yaml").path)
        #expect(template.imagePullSecretNames == ["registry-credentials"])
        #expect(template.namedImages.problems.isEmpty && !template.namedImages.references.isEmpty)
    }

    /// The Secret rule is needed: without it the private image's digest cannot be asked for
    /// (the 403 reported, the Job created with the tag), the public one is still pinned.
    @Test func withoutTheSecretRuleThePrivateImageIsReportedAndLeftWithItsTag() async throws {
        try await FakeRegistry.with { registry in
            try await ProvisionerFixture.with(template: Self.template(registry), install: DeployManifests.imageDigests) { f in
                let digests = try await Self.setUp(registry, f)
                try await WorkloadRBACTests.grantRole(of: DeployManifests.imageDigests, without: RBACTests.permission("core/secrets/get"), on: f)
                try await f.insertAccount("a")
                let p = try f.start([], Self.environment(registry))
                try await Self.waitForImages(f, p, accounts: ["a"], Self.expected(registry, worker: nil, initImage: digests.initImage))
                #expect(p.log.contains("an image pull Secret cannot be used to resolve digests"))
                #expect(p.log.contains("Secret registry-credentials"))
                #expect(p.log.contains("image not pinned: no digest known for its tag yet"))
                let refused = try await f.emulator.requests().log.filter { $0.user == ServiceAccounts.provisionerUser && $0.code == 403 }
                #expect(refused.map(\.resource) == Array(repeating: "secrets", count: refused.count) && !refused.isEmpty)
                Self.expectNoSecretIn([p.log])
            }
        }
    }

    /// A Deployment rolls in place: same object, its pod template pinned to the new digest, the
    /// update audited as a roll (the Role of deploy/overlays/deployments: a public image needs no Secret).
    @Test func aDeploymentRollsInPlace() async throws {
        try await FakeRegistry.with { registry in
            let template = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: worker
                spec:
                  replicas: 1
                  template:
                    spec:
                      containers:
                        - name: main
                          image: \(registry.host)/\(Self.initImage):1

                """
            try await ProvisionerFixture.with(template: template, install: DeployManifests.deployments) { f in
                let first = try await registry.pushTag(Self.initImage, tag: "1").digest
                try await f.insertAccount("a", config: DeploymentKindTests.healthy)
                let p = try f.start([], Self.environment(registry))
                func image() async throws -> (uid: String?, image: String?) {
                    let deployment = try await DeploymentKindTests.deployments(f)["worker-a"]
                    return (deployment?["metadata"]?["uid"]?.stringValue,
                            deployment?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"]?.stringValue)
                }
                let pinned = "\(registry.host)/\(Self.initImage):1@"
                try await eventually("the Deployment pinned", log: p.logTail) { try await image().image == pinned + first }
                let uid = try await image().uid
                let moved = try await registry.pushTag(Self.initImage, tag: "1").digest
                try await eventually("the Deployment rolled to the new digest", log: p.logTail) { try await image().image == pinned + moved }
                #expect(try await image().uid == uid, "updated in place, not recreated")
                let rolls = try await Self.rolls(f)
                #expect(rolls.count == 1 && rolls.first?.isRoll == true)
                #expect(rolls.first?.changes == [["image": .string(Self.key(registry, Self.initImage)), "from": .string(first), "to": .string(moved)]])
                #expect(try await f.audit(action: "update").count == 1)
                try await WorkloadRBACTests.expectNothingRefused(f)
            }
        }
    }
}

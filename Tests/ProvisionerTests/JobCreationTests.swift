import TenantRuntime
import Common
import Foundation
import Kube
import Postgres
import TenantCore
import TestSupport
import Testing

/// SPEC "Kubernetes objects": what every managed Job looks like, and who is never touched.
@Suite struct JobCreationTests {
    /// The name suffix by the SPEC's rule, written out here rather than taken from JobNaming.
    static func hashedSuffix(slug: String, accountID: String) -> String {
        "\(slug)-\(SHA256.hex(accountID).prefix(8))"
    }

    static func env(_ container: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        for entry in container["env"]?.arrayValue ?? [] {
            if let name = entry["name"]?.stringValue { out[name] = entry["value"]?.stringValue }
        }
        return out
    }

    @Test func everyActiveAccountGetsOneLabelledAnnotatedJobAndAStatusAndCreateAuditRow() async throws {
        try await ProvisionerFixture.with { f in
            let accounts: [(id: String, suffix: String, env: [String: String])] = [
                ("acme", "acme", ["PLAN": "gold"]),
                ("Globex.Corporation", Self.hashedSuffix(slug: "globex-corporation", accountID: "Globex.Corporation"), [:]),
                ("alice@example.com", Self.hashedSuffix(slug: "alice-example-com", accountID: "alice@example.com"), ["PLAN": "free", "REGION": "eu"]),
            ]
            for account in accounts {
                let config = JSONValue.object(["env": .object(account.env.mapValues { .string($0) })]).canonicalJSON
                try await f.insertAccount(account.id, displayName: "Name of \(account.id)", config: config)
            }
            let provisioner = try f.start([], ["POD_NAME": "provisioner-a1"])
            let expectedNames = Set(accounts.map { "worker-\($0.suffix)" })
            try await eventually("three Jobs", log: provisioner.logTail) { try await f.jobNames() == expectedNames }
            try await eventually("three status rows and create audit rows", log: provisioner.logTail) {
                try await f.audit(action: "create").count == 3
            }

            let template = try JobTemplate.load(path: f.templatePath)
            for account in accounts {
                let name = "worker-\(account.suffix)"
                let job = try #require(try await f.job(name))
                let labels = job["metadata"]?["labels"]?.objectValue ?? [:]
                let podLabels = job["spec"]?["template"]?["metadata"]?["labels"]?.objectValue ?? [:]
                for set in [labels, podLabels] {
                    #expect(set["app.kubernetes.io/managed-by"] == "tenant-provisioner")
                    #expect(set["tenant-provisioner/instance"] == "default")
                    #expect(set["tenant-provisioner/account"] == .string(account.suffix))
                    #expect(set["app.kubernetes.io/name"] == "tenant-worker", "the template's own labels stay")
                }
                let annotations = job["metadata"]?["annotations"]?.objectValue ?? [:]
                #expect(annotations["tenant-provisioner/account-id"] == .string(account.id))
                let generation = try await f.query("SELECT generation FROM accounts WHERE account_id = $1", [.text(account.id)])[0].decode(0, as: Int64.self)
                let rendered = try template.render(account: Account(id: account.id, displayName: "Name of \(account.id)",
                                                                    config: ["env": .object(account.env.mapValues { .string($0) })], generation: generation),
                                                   namespace: "default", instance: "default")
                #expect(annotations["tenant-provisioner/spec-hash"] == .string(rendered.specHash))

                let podSpec = job["spec"]?["template"]?["spec"]
                let containers = (podSpec?["initContainers"]?.arrayValue ?? []) + (podSpec?["containers"]?.arrayValue ?? [])
                #expect(containers.count == 3)
                for container in containers {
                    let env = Self.env(container)
                    #expect(env["ACCOUNT_ID"] == account.id, "container \(container["name"]?.stringValue ?? "?") of \(name)")
                    for (key, value) in account.env { #expect(env[key] == value, "\(key) in \(container["name"]?.stringValue ?? "?") of \(name)") }
                }
                #expect(Self.env(podSpec?["containers"]?.arrayValue?.first ?? .null)["FIXED"] == "1", "the template's own variables stay")

                let status = try #require(try await f.status(account.id))
                #expect(status.jobName == name)
                #expect(status.jobUID == job["metadata"]?["uid"]?.stringValue)
                #expect(["pending", "running"].contains(status.phase))
            }
            let creates = try await f.audit(action: "create")
            #expect(Set(creates.compactMap(\.accountID)) == Set(accounts.map(\.id)))
            #expect(creates.allSatisfy { $0.actor == "provisioner-a1" })
            #expect(Set(creates.compactMap(\.jobName)) == expectedNames)
            #expect(creates.allSatisfy { $0.jobUID != nil })
        }
    }

    @Test func anUnmanagedJobHoldingTheNameIsLeftAloneAndReportedInTheStatus() async throws {
        try await ProvisionerFixture.with { f in
            let client = try f.kubeClient()
            let foreign: JSONValue = [
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": ["name": "worker-acme", "labels": ["team": "someone-else"]],
                "spec": ["backoffLimit": 0, "template": ["spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox"]]]]],
            ]
            let created: KubeClient.MetadataOnly = try await client.create(.jobs, namespace: "default", body: foreign)
            try await f.insertAccount("acme")
            try await f.insertAccount("other")
            let provisioner = try f.start()

            try await eventually("the conflict in account_status.message", log: provisioner.logTail) {
                try await f.status("acme")?.message?.contains("worker-acme") == true
            }
            let message = try #require(try await f.status("acme")?.message)
            #expect(message.contains("not managed"))
            // The other account shows the provisioner was acting all along.
            try await eventually("the other account's Job", log: provisioner.logTail) { try await f.jobNames().contains("worker-other") }
            try await provisioner.waitForFullPasses(2)

            let job = try #require(try await f.job("worker-acme"))
            #expect(job["metadata"]?["uid"]?.stringValue == created.metadata.uid)
            #expect(job["metadata"]?["deletionTimestamp"] == nil)
            #expect(job["metadata"]?["labels"]?["app.kubernetes.io/managed-by"] == nil)
            let touches = try await f.jobRequestsExceptWatch().filter { $0.path.hasSuffix("/worker-acme") && $0.method != "GET" }
            #expect(touches.isEmpty, "requests on the unmanaged Job: \(touches.map { "\($0.method) \($0.path)" })")
            // The label-selected cache cannot see the foreign Job: one create answered 409 reveals
            // it, and it is not tried again on every pass.
            let creates = try await f.jobRequestsExceptWatch().filter { $0.verb == "create" }
            #expect(creates.filter { $0.code == 409 }.count == 1)
            #expect(creates.count == 3, "the test's create, the provisioner's one 409, the other account's")
            let skips = try await f.audit(action: "skip").filter { $0.accountID == "acme" }
            #expect(skips.count == 1, "the conflict is audited once, not every pass")
        }
    }

    /// An account written before migration 0005 added the CHECK can still hold an env key the API
    /// server refuses (422): reported once in account_status.message, no request sent for it.
    @Test func anAccountWithAnInvalidEnvKeyIsReportedOnceAndNoRequestIsSent() async throws {
        try await ProvisionerFixture.with { f in
            try await f.execute("ALTER TABLE accounts DROP CONSTRAINT accounts_config_env_names")
            try await f.insertAccount("badenv", config: #"{"env": {"1BAD KEY": "x"}}"#)
            try await f.insertAccount("fine")
            let provisioner = try f.start()
            try await eventually("the problem in account_status.message", log: provisioner.logTail) {
                try await f.status("badenv")?.message?.contains("1BAD KEY") == true
            }
            let passes = #"tenant_provisioner_passes_total{kind="full",result="success"}"#
            let before = await provisioner.metric(passes) ?? 0
            try await eventually("two more passes", log: provisioner.logTail) { await provisioner.metric(passes) ?? 0 >= before + 2 }
            #expect(try await f.jobNames() == ["worker-fine"])
            let creates = try await f.jobRequestsExceptWatch().filter { $0.verb == "create" }
            #expect(creates.count == 1, "only the valid account's create: \(creates.map(\.path))")
            #expect(try await f.audit(action: "skip").filter { $0.accountID == "badenv" }.count == 1)
        }
    }
}

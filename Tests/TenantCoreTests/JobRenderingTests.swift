import Foundation
import Common
import Testing
@testable import TenantCore

@Suite struct JobRenderingTests {
    private func render(_ account: Account = TemplateFixtures.account, yaml: String = TemplateFixtures.basic, memoryOverride: String? = nil) throws -> RenderedJob {
        try JobTemplate.parse(yaml: yaml, file: "t.yaml").render(account: account, namespace: "tenants", instance: "blue", memoryOverride: memoryOverride)
    }

    private func containers(_ job: RenderedJob, _ field: String = "containers") -> [JSONValue] {
        job.manifest["spec"]?["template"]?["spec"]?[field]?.arrayValue ?? []
    }

    @Test func nameNamespaceAndSuffixAreSet() throws {
        let job = try render()
        let expected = JobNaming.name(prefix: "tenant", accountID: "Acme Corp")
        #expect(job.name == expected.name)
        #expect(job.suffix == expected.suffix)
        #expect(job.manifest["metadata"]?["name"] == .string(expected.name))
        #expect(job.manifest["metadata"]?["namespace"] == "tenants")
        #expect(job.accountID == "Acme Corp")
        #expect(job.generation == 3)
    }

    @Test func placeholdersInNestedStringsAreSubstituted() throws {
        let job = try render()
        let worker = containers(job)[0]
        #expect(worker["image"] == "registry.example/worker:v2")
        #expect(worker["args"] == .array(["--account=Acme Corp", .string("--job=\(job.name)"), "--ns=tenants", .string("--slug=\(job.suffix)")]))
        #expect(job.manifest["metadata"]?["annotations"]?["note"] == "for Acme Corporation")
    }

    @Test func configPathReachesNestedKeys() throws {
        let job = try render()
        #expect(containers(job)[0]["resources"]?["limits"]?["memory"] == "512Mi")
    }

    @Test func missingDisplayNameRendersEmpty() throws {
        var account = TemplateFixtures.account
        account.displayName = nil
        #expect(try render(account).manifest["metadata"]?["annotations"]?["note"] == "for ")
    }

    @Test func missingConfigKeyIsARenderErrorNamingKeyAndLine() throws {
        var account = TemplateFixtures.account
        account.config["limits"] = .object([:])
        let error = try #require(throws: RenderError.self) { try render(account) }
        #expect(error.accountID == "Acme Corp")
        #expect(error.problem.contains("{{ config.limits.memory }} (line 34)"))
        #expect(error.problem.contains("config.limits.memory"))
    }

    @Test func objectConfigValueIsARenderError() throws {
        var account = TemplateFixtures.account
        account.config["image_tag"] = ["a": 1]
        let error = try #require(throws: RenderError.self) { try render(account) }
        #expect(error.problem.contains("an object"))
    }

    @Test func numberConfigValueRendersAsItsJSONText() throws {
        var account = TemplateFixtures.account
        account.config["image_tag"] = 7
        #expect(containers(try render(account))[0]["image"] == "registry.example/worker:7")
    }

    @Test func nonStringConfigEnvIsARenderError() throws {
        var account = TemplateFixtures.account
        account.config["env"] = ["PORT": 80]
        let error = try #require(throws: RenderError.self) { try render(account) }
        #expect(error.problem.contains("config.env.PORT"))
    }

    @Test func managedLabelsAreOnTheJobAndThePodTemplate() throws {
        let job = try render()
        let expected: [String: JSONValue] = [
            "app.kubernetes.io/managed-by": "tenant-provisioner",
            "tenant-provisioner/instance": "blue",
            "tenant-provisioner/account": .string(job.suffix),
        ]
        let jobLabels = try #require(job.manifest["metadata"]?["labels"]?.objectValue)
        let podLabels = try #require(job.manifest["spec"]?["template"]?["metadata"]?["labels"]?.objectValue)
        for (key, value) in expected {
            #expect(jobLabels[key] == value)
            #expect(podLabels[key] == value)
        }
        #expect(jobLabels["team"] == "billing")
    }

    @Test func annotationsCarryTheExactAccountIdAndTheHash() throws {
        let job = try render()
        let annotations = job.manifest["metadata"]?["annotations"]
        #expect(annotations?["tenant-provisioner/account-id"] == "Acme Corp")
        #expect(annotations?["tenant-provisioner/spec-hash"] == .string(job.specHash))
        #expect(job.specHash.count == 64)
    }

    @Test func everyContainerAndInitContainerGetsTheEnvironmentInPrecedenceOrder() throws {
        let job = try render()
        let worker = containers(job)[0]["env"]
        #expect(worker == [
            ["name": "ACCOUNT_ID", "value": "Acme Corp"],
            ["name": "KEEP", "value": "kept"],
            ["name": "REGION", "value": "eu-west"],
            ["name": "TIER", "value": "gold"],
        ])
        #expect(containers(job)[1]["env"] == [
            ["name": "ACCOUNT_ID", "value": "Acme Corp"],
            ["name": "REGION", "value": "eu-west"],
            ["name": "TIER", "value": "gold"],
        ])
        #expect(containers(job, "initContainers")[0]["env"] == [
            ["name": "ACCOUNT_ID", "value": "Acme Corp"],
            ["name": "REGION", "value": "eu-west"],
            ["name": "TIER", "value": "gold"],
        ])
    }

    @Test func accountIDFromConfigEnvDoesNotOverrideTheRealOne() throws {
        var account = TemplateFixtures.account
        account.config["env"] = ["ACCOUNT_ID": "spoofed"]
        let env = containers(try render(account))[1]["env"]
        #expect(env == [["name": "ACCOUNT_ID", "value": "Acme Corp"]])
    }

    @Test func integersStayIntegers() throws {
        let job = try render()
        #expect(job.manifest["spec"]?["backoffLimit"] == .integer(0))
        #expect(job.manifest["spec"]?["ttlSecondsAfterFinished"] == .integer(86400))
        #expect(job.manifest.canonicalJSON.contains("\"backoffLimit\":0,"))
    }

    @Test func specHashIgnoresKeyOrderInTheTemplate() throws {
        let reordered = """
            kind: Job
            spec:
              template:
                spec:
                  containers:
                    - image: "registry.example/worker:{{ config.image_tag }}"
                      name: worker
              backoffLimit: 0
            metadata:
              name: tenant
            apiVersion: batch/v1
            """
        let original = """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: tenant
            spec:
              backoffLimit: 0
              template:
                spec:
                  containers:
                    - name: worker
                      image: "registry.example/worker:{{ config.image_tag }}"
            """
        #expect(try render(yaml: reordered).specHash == render(yaml: original).specHash)
    }

    @Test func specHashIsStableAcrossRenders() throws {
        #expect(try render().specHash == render().specHash)
    }

    @Test func specHashOfTheFinalManifestEqualsTheAnnotation() throws {
        let job = try render()
        #expect(SpecHash.of(manifest: job.manifest, generation: job.generation) == job.specHash)
    }

    @Test func specHashChangesWithTheGeneration() throws {
        var account = TemplateFixtures.account
        let before = try render(account).specHash
        account.generation += 1
        #expect(try render(account).specHash != before)
    }

    @Test func specHashChangesWithAnyRenderedField() throws {
        let base = try render().specHash
        var account = TemplateFixtures.account
        account.config["image_tag"] = "v3"
        #expect(try render(account).specHash != base)
        account = TemplateFixtures.account
        account.config["env"] = ["REGION": "us-east", "TIER": "gold"]
        #expect(try render(account).specHash != base)
        let otherTemplate = TemplateFixtures.basic.replacingOccurrences(of: "backoffLimit: 0", with: "backoffLimit: 1")
        #expect(try render(yaml: otherTemplate).specHash != base)
        #expect(try render(memoryOverride: "1Gi").specHash != base)
    }

    @Test func specHashFollowsItsDefinition() throws {
        let job = try render()
        var manifest = job.manifest
        manifest["metadata"]?["annotations"]?["tenant-provisioner/spec-hash"] = nil
        #expect(job.specHash == SHA256.hex(manifest.canonicalJSON + "\n3"))
    }

    @Test func memoryOverrideSetsRequestAndLimitOfEveryContainer() throws {
        let job = try render(memoryOverride: "768Mi")
        for container in containers(job) {
            #expect(container["resources"]?["limits"]?["memory"] == "768Mi")
            #expect(container["resources"]?["requests"]?["memory"] == "768Mi")
        }
        #expect(containers(job, "initContainers")[0]["resources"] == nil)
    }

    @Test func invalidMemoryOverrideIsARenderError() throws {
        let error = try #require(throws: RenderError.self) { try render(memoryOverride: "lots") }
        #expect(error.problem.contains("memory_override"))
    }
}

/// One renderer for every workload shape: the managed labels on the object, its pod template
/// (and a CronJob's job template), `ACCOUNT_ID` and `config.env` wherever the pod template sits.
@Suite struct WorkloadRenderingTests {
    static let account = Account(id: "acme", isActive: true, config: ["tag": "v2", "env": ["REGION": "eu"]], generation: 4)

    static func render(_ yaml: String, account: Account = account) throws -> RenderedJob {
        try JobTemplate.parse(yaml: yaml, file: "t.yaml").render(account: account, namespace: "tenants", instance: "blue")
    }

    static let labels: JSONValue = [
        "app.kubernetes.io/managed-by": "tenant-provisioner", "tenant-provisioner/instance": "blue", "tenant-provisioner/account": "acme",
    ]

    @Test func aDeploymentSelectsItsPodsByTheManagedLabels() throws {
        let rendered = try Self.render(JobTemplateParseTests.deployment)
        let m = rendered.manifest
        #expect(m["apiVersion"] == "apps/v1" && m["kind"] == "Deployment")
        #expect(rendered.name == "worker-acme" && m["metadata"]?["name"] == "worker-acme")
        #expect(m["metadata"]?["labels"] == Self.labels)
        #expect(m["spec"]?["selector"] == ["matchLabels": Self.labels])
        #expect(m["spec"]?["template"]?["metadata"]?["labels"] == Self.labels, "the selector matches the pod template")
        #expect(m["metadata"]?["annotations"]?["tenant-provisioner/account-id"] == "acme")
        #expect(m["metadata"]?["annotations"]?["tenant-provisioner/spec-hash"] == .string(rendered.specHash))
        let env = m["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["env"]
        #expect(env == [["name": "ACCOUNT_ID", "value": "acme"], ["name": "REGION", "value": "eu"]])
        #expect(m["spec"]?["replicas"] == 1)
    }

    @Test func aCronJobLabelsItsJobTemplateSoItsJobsNameTheirAccount() throws {
        let rendered = try Self.render(JobTemplateParseTests.cronJob)
        let m = rendered.manifest
        #expect(m["kind"] == "CronJob" && m["spec"]?["schedule"] == "0 5 * * *")
        #expect(m["metadata"]?["labels"] == Self.labels)
        let jobTemplate = m["spec"]?["jobTemplate"]
        #expect(jobTemplate?["metadata"]?["labels"] == Self.labels)
        #expect(jobTemplate?["metadata"]?["annotations"] == ["tenant-provisioner/account-id": "acme"])
        let pod = jobTemplate?["spec"]?["template"]
        #expect(pod?["metadata"]?["labels"] == Self.labels)
        #expect(pod?["spec"]?["containers"]?.arrayValue?.first?["env"] == [["name": "ACCOUNT_ID", "value": "acme"], ["name": "REGION", "value": "eu"]])
        #expect(pod?["spec"]?["containers"]?.arrayValue?.first?["image"] == "worker:v2")
        #expect(m["spec"]?["selector"] == nil, "a CronJob has none")
    }

    /// The CronJob controller appends 11 characters to its Jobs' names: a CronJob's is at most 52.
    @Test func aCronJobNameIsCutToFiftyTwo() throws {
        let long = Account(id: String(repeating: "x", count: 60), isActive: true, config: ["tag": "v1"], generation: 1)
        let cron = try Self.render(JobTemplateParseTests.cronJob, account: long)
        let job = try Self.render(TemplateFixtures.minimal(), account: long)
        #expect(cron.name.utf8.count == 52 && cron.name.hasPrefix("sync-x"), "\(cron.name)")
        #expect(job.name.utf8.count == 63)
        #expect(cron.suffix.hasSuffix(String(SHA256.hex(long.id.utf8).prefix(8))))
        #expect(JobNaming.name(prefix: "sync", accountID: long.id, maxLength: 52) == (cron.name, cron.suffix))
    }
}

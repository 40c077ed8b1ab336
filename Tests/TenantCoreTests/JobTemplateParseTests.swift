import Common
import Foundation
import Testing
@testable import TenantCore

@Suite struct JobTemplateParseTests {
    private func parseError(_ yaml: String) -> TemplateError? {
        do {
            _ = try JobTemplate.parse(yaml: yaml, file: "t.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func validTemplateGivesItsPrefix() throws {
        #expect(try TemplateFixtures.parse().prefix == "tenant")
    }

    @Test func unknownPlaceholderIsRejectedWithItsLine() throws {
        let error = try #require(parseError(TemplateFixtures.minimal(containerLines: ["args:", "  - \"--id={{ acount_id }}\""])))
        #expect(error.line == 13)
        #expect(error.file == "t.yaml")
        #expect(error.problem.contains("unknown placeholder \"{{ acount_id }}\""))
        #expect(error.problem.contains("{{ config.KEY }}"))
    }

    @Test func placeholderLineInsideALiteralBlockIsItsOwnLine() throws {
        let error = try #require(parseError(TemplateFixtures.minimal(containerLines: ["command:", "  - sh", "  - -c", "  - |", "    echo start", "    echo {{ nope }}"])))
        #expect(error.line == 17)
    }

    @Test func unclosedPlaceholderIsRejected() throws {
        let error = try #require(parseError(TemplateFixtures.minimal(containerLines: ["args: [\"{{ account_id\"]"])))
        #expect(error.line == 12)
        #expect(error.problem.contains("never closes"))
    }

    @Test func fourBracesStandForALiteralPair() throws {
        let template = try JobTemplate.parse(yaml: TemplateFixtures.minimal(containerLines: ["args: [\"{{{{.Name}}\"]"]), file: "t.yaml")
        let job = try template.render(account: Account(id: "a"), namespace: "ns", instance: "default")
        #expect(job.manifest["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?[0]["args"] == ["{{.Name}}"])
    }

    @Test func invalidYAMLIsRejectedWithItsLine() throws {
        let error = try #require(parseError("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: tenant\n   bad: [1, 2\n"))
        #expect(error.line == 5)
        #expect(error.problem.hasPrefix("invalid YAML"))
    }

    @Test func duplicateKeyIsRejectedWithItsLine() throws {
        let error = try #require(parseError(TemplateFixtures.minimal(containerLines: ["image: other"])))
        // The repetition (the line added last, usually), not the first `image:` on line 11.
        #expect(error.line == 12)
        #expect(error.problem.contains("more than once"))
    }

    @Test func anotherKindIsRejectedNamingTheAllowedOnes() throws {
        let yaml = TemplateFixtures.minimal().replacingOccurrences(of: "kind: Job", with: "kind: StatefulSet")
        let error = try #require(parseError(yaml))
        #expect(error.line == 2)
        #expect(error.problem.contains("kind is \"StatefulSet\""))
        #expect(error.problem.contains("batch/v1 Job, batch/v1 CronJob or apps/v1 Deployment"))
    }

    @Test func aKindWithTheWrongAPIVersionIsRejected() throws {
        let yaml = TemplateFixtures.minimal().replacingOccurrences(of: "kind: Job", with: "kind: Deployment")
        let error = try #require(parseError(yaml))
        #expect(error.line == 1)
        #expect(error.problem == "apiVersion is \"batch/v1\"; a Deployment template needs apiVersion apps/v1")
    }

    static let deployment = """
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
                  image: "worker:{{ config.tag }}"
        """

    static let cronJob = """
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: sync
        spec:
          schedule: "0 5 * * *"
          jobTemplate:
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: main
                      image: "worker:{{ config.tag }}"
        """

    @Test func deploymentsAndCronJobsAreTemplatesToo() throws {
        let deployment = try JobTemplate.parse(yaml: Self.deployment, file: "d.yaml")
        #expect(deployment.kind == .deployment && deployment.prefix == "worker")
        let cronJob = try JobTemplate.parse(yaml: Self.cronJob, file: "c.yaml")
        #expect(cronJob.kind == .cronJob && cronJob.prefix == "sync")
        #expect(try TemplateFixtures.parse().kind == .job)
    }

    /// The selector is the provisioner's (the managed labels) and immutable: a template that
    /// would set or change it is refused at startup.
    @Test func aDeploymentTemplateWithASelectorIsRefused() throws {
        let yaml = Self.deployment.replacingOccurrences(of: "  replicas: 1\n", with: "  replicas: 1\n  selector:\n    matchLabels:\n      app: x\n")
        let error = try #require(parseError(yaml))
        #expect(error.line == 7)
        #expect(error.problem.contains("spec.selector is set by the provisioner"))
    }

    @Test func cronJobShapeIsChecked() throws {
        let noSchedule = try #require(parseError(Self.cronJob.replacingOccurrences(of: "  schedule: \"0 5 * * *\"\n", with: "")))
        #expect(noSchedule.line == 5 && noSchedule.problem.contains("spec.schedule must be a cron schedule"), "\(noSchedule)")
        #expect(parseError(Self.cronJob.replacingOccurrences(of: "\"0 5 * * *\"", with: "\"{{ config.schedule }}\"")) == nil,
                "a schedule per account is fine")
        let cut = Self.cronJob.components(separatedBy: "\n").prefix(12).joined(separator: "\n") + "\n"
        let noContainers = try #require(parseError(cut))
        #expect(noContainers.line == 11 && noContainers.problem.contains("spec.jobTemplate.spec.template.spec.containers must be a non-empty list"),
                "\(noContainers)")
        let noJobTemplate = try #require(parseError(Self.cronJob.components(separatedBy: "\n").prefix(6).joined(separator: "\n") + "\n"))
        #expect(noJobTemplate.problem.contains("spec.jobTemplate.spec is missing"), "\(noJobTemplate)")
    }

    /// A CronJob's Jobs get 11 more characters: its names are cut to 52, and so is the prefix room.
    @Test func aCronJobPrefixLeavesRoomInFiftyTwoCharacters() throws {
        let long = String(repeating: "a", count: 44)
        let error = try #require(parseError(Self.cronJob.replacingOccurrences(of: "name: sync", with: "name: \(long)")))
        #expect(error.problem.contains("at most 43 leave room"), "\(error.problem)")
        #expect(parseError(Self.deployment.replacingOccurrences(of: "name: worker", with: "name: \(long)")) == nil, "63 for a Deployment")
    }

    @Test func otherAPIVersionIsRejected() throws {
        let error = try #require(parseError(TemplateFixtures.minimal().replacingOccurrences(of: "batch/v1", with: "apps/v1")))
        #expect(error.line == 1)
        #expect(error.problem.contains("batch/v1"))
    }

    @Test func missingContainersAreRejected() throws {
        let yaml = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: tenant\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n"
        let error = try #require(parseError(yaml))
        #expect(error.line == 7)
        #expect(error.problem.contains("containers must be a non-empty list"))
    }

    @Test func emptyContainerListIsRejected() throws {
        let yaml = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: tenant\nspec:\n  template:\n    spec:\n      containers: []\n"
        let error = try #require(parseError(yaml))
        #expect(error.line == 8)
    }

    @Test func templatedPrefixIsRejected() throws {
        let error = try #require(parseError(TemplateFixtures.minimal().replacingOccurrences(of: "name: tenant", with: "name: \"t-{{ account_id }}\"")))
        #expect(error.line == 4)
        #expect(error.problem.contains("without placeholders"))
    }

    @Test func invalidPrefixIsATemplateError() throws {
        let error = try #require(parseError(TemplateFixtures.minimal().replacingOccurrences(of: "name: tenant", with: "name: Tenant_Jobs")))
        #expect(error.line == 4)
        #expect(error.problem.contains("DNS-1123"))
    }

    @Test func unquotedPlaceholderValueGetsAQuotingHint() throws {
        let error = try #require(parseError(TemplateFixtures.minimal(containerLines: ["workingDir: {{ account_id }}"])))
        #expect(error.line == 12)
        #expect(error.problem.contains("must be quoted"))
    }

    @Test func placeholderInAKeyIsRejected() throws {
        let error = try #require(parseError(TemplateFixtures.minimal(containerLines: ["\"x-{{ account_id }}\": 1"])))
        #expect(error.problem.contains("values only"))
    }

    @Test func ambiguousBooleanIsRejectedWithItsLine() throws {
        let error = try #require(parseError(TemplateFixtures.minimal(containerLines: ["tty: yes"])))
        #expect(error.line == 12)
        #expect(error.problem.contains("ambiguous"))
    }

    @Test func secondDocumentIsRejected() throws {
        let error = try #require(parseError(TemplateFixtures.minimal() + "\n---\nkind: Job\n"))
        #expect(error.line == 12)
    }

    @Test func emptyFileIsRejected() throws {
        let error = try #require(parseError(""))
        #expect(error.problem.contains("no YAML document"))
    }

    @Test func generateNameIsRejected() throws {
        let yaml = TemplateFixtures.minimal().replacingOccurrences(of: "  name: tenant", with: "  name: tenant\n  generateName: t-")
        #expect(parseError(yaml)?.problem.contains("generateName") == true)
    }

    @Test func mergeKeysAndAnchorsAreResolved() throws {
        let yaml = TemplateFixtures.minimal(containerLines: ["resources:", "  limits: &mem", "    memory: 1Gi", "  requests:", "    <<: *mem", "    cpu: \"1\""])
        let job = try JobTemplate.parse(yaml: yaml, file: "t.yaml").render(account: Account(id: "a"), namespace: "n", instance: "i")
        let requests = job.manifest["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?[0]["resources"]?["requests"]
        #expect(requests == ["memory": "1Gi", "cpu": "1"])
    }


    @Test func knowsWhetherItShowsTheDisplayName() throws {
        #expect(try !JobTemplate.parse(yaml: TemplateFixtures.minimal(), file: "t.yaml").usesDisplayName)
        let named = TemplateFixtures.minimal(containerLines: ["env:", "  - name: TENANT", "    value: \"for {{ display_name }}\""])
        #expect(try JobTemplate.parse(yaml: named, file: "t.yaml").usesDisplayName)
        let other = TemplateFixtures.minimal(containerLines: ["args: [\"{{ account_id }}\"]"])
        #expect(try !JobTemplate.parse(yaml: other, file: "t.yaml").usesDisplayName)
    }
}

import Common
import Foundation
import TestSupport
import Testing

/// SPEC "Common configuration": every bad value exits 2 with a message naming the variable or
/// file (and line); no secret is printed. Nothing here needs a database or an API server:
/// validation happens before anything connects.
@Suite struct ConfigurationErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var environment: [String: String] = [:]
        /// Written to a fresh file that JOB_TEMPLATE then names.
        var template: String?
        /// Written to a fresh file that KUBECONFIG then names.
        var kubeconfig: String?
        var arguments: [String] = []
        /// Texts the error output must contain.
        var mentions: [String]
        var testDescription: String { name }
    }

    static let password = "s3cret-Passw0rd"

    static let cases: [Case] = [
        Case(name: "POLL_INTERVAL not a number", environment: ["POLL_INTERVAL": "soon"], mentions: ["POLL_INTERVAL", "soon"]),
        Case(name: "POLL_INTERVAL zero", environment: ["POLL_INTERVAL": "0"], mentions: ["POLL_INTERVAL"]),
        Case(name: "MAX_DELETES_PER_PASS negative", environment: ["MAX_DELETES_PER_PASS": "-1"], mentions: ["MAX_DELETES_PER_PASS", "-1"]),
        Case(name: "DRY_RUN not a boolean", environment: ["DRY_RUN": "maybe"], mentions: ["DRY_RUN", "maybe"]),
        Case(name: "KUBE_QPS zero", environment: ["KUBE_QPS": "0"], mentions: ["KUBE_QPS"]),
        Case(name: "KUBE_BURST not a number", environment: ["KUBE_BURST": "lots"], mentions: ["KUBE_BURST", "lots"]),
        Case(name: "HEALTH_PORT out of range", environment: ["HEALTH_PORT": "70000"], mentions: ["HEALTH_PORT", "70000"]),
        Case(name: "LOG_LEVEL unknown", environment: ["LOG_LEVEL": "verbose"], mentions: ["LOG_LEVEL", "verbose"]),
        Case(name: "LOG_FORMAT unknown", environment: ["LOG_FORMAT": "xml"], mentions: ["LOG_FORMAT", "xml"]),
        Case(name: "INSTANCE not a label value", environment: ["INSTANCE": "not a label!"], mentions: ["INSTANCE"]),
        Case(name: "NAMESPACE not a DNS label", environment: ["NAMESPACE": "Bad_Namespace"], mentions: ["NAMESPACE", "Bad_Namespace"]),
        Case(name: "JOB_TEMPLATE missing file", environment: ["JOB_TEMPLATE": "/nonexistent/job-template.yaml"],
             mentions: ["JOB_TEMPLATE", "/nonexistent/job-template.yaml"]),
        Case(name: "JOB_TEMPLATE invalid YAML", template: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: worker\nspec: [unclosed\n",
             mentions: ["JOB_TEMPLATE", "line 5"]),
        Case(name: "JOB_TEMPLATE unknown placeholder",
             template: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: main\n          image: \"{{ no_such_thing }}\"\n",
             mentions: ["JOB_TEMPLATE", "line 11", "no_such_thing"]),
        Case(name: "JOB_TEMPLATE not a Job",
             template: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: worker\nspec:\n  containers:\n    - name: main\n      image: busybox\n",
             mentions: ["JOB_TEMPLATE", "Job"]),
        Case(name: "JOB_TEMPLATE a StatefulSet",
             template: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: worker\nspec: {}\n",
             mentions: ["JOB_TEMPLATE", "line 2", "batch/v1 Job, batch/v1 CronJob or apps/v1 Deployment"]),
        Case(name: "MAX_RUNNING_JOBS zero", environment: ["MAX_RUNNING_JOBS": "0"], mentions: ["MAX_RUNNING_JOBS", "1 to"]),
        Case(name: "MAX_RUNNING_JOBS with a Deployment template", environment: ["MAX_RUNNING_JOBS": "3"],
             template: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          image: busybox\n",
             mentions: ["MAX_RUNNING_JOBS", "Deployment template"]),
        Case(name: "RESOLVE_IMAGE_DIGESTS with an image from a placeholder", environment: ["RESOLVE_IMAGE_DIGESTS": "true"],
             template: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: main\n          image: \"worker:{{ config.tag }}\"\n",
             mentions: ["RESOLVE_IMAGE_DIGESTS", "spec.template.spec.containers[0].image is built from a placeholder"]),
        Case(name: "INSECURE_REGISTRIES with a scheme", environment: ["INSECURE_REGISTRIES": "http://registry.local:5000"],
             mentions: ["INSECURE_REGISTRIES", "http://registry.local:5000", "without a scheme"]),
        Case(name: "MAX_IMAGE_ROLLS_PER_PASS negative", environment: ["MAX_IMAGE_ROLLS_PER_PASS": "-2"], mentions: ["MAX_IMAGE_ROLLS_PER_PASS", "-2"]),
        Case(name: "DATABASE_URL malformed, with a password",
             environment: ["DATABASE_URL": "postgresql://app:\(password)@db.example:5432/app?no_such_option=1"], mentions: ["DATABASE_URL"]),
        Case(name: "DATABASE_URL port not a number, with a password",
             environment: ["DATABASE_URL": "postgresql://app:\(password)@db.example:5x32/app"], mentions: ["DATABASE_URL", "5x32", "1 to 65535"]),
        Case(name: "KUBECONFIG malformed", kubeconfig: "apiVersion: v1\nclusters: [{\n", mentions: ["KUBECONFIG"]),
        Case(name: "unknown argument", arguments: ["frobnicate"], mentions: ["frobnicate", "Usage"]),
    ]

    static let validTemplate = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: main\n          image: busybox\n"

    static let validKubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
          - name: c
            cluster:
              server: https://127.0.0.1:1
              insecure-skip-tls-verify: true
        users:
          - name: u
            user:
              token: not-a-real-token
        contexts:
          - name: x
            context:
              cluster: c
              user: u
              namespace: default
        current-context: x

        """

    @Test(arguments: cases) func aBadValueExitsWithCode2NamingIt(_ c: Case) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("provisioner-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let templatePath = directory + "/job-template.yaml"
        let kubeconfigPath = directory + "/kubeconfig"
        try (c.template ?? Self.validTemplate).write(toFile: templatePath, atomically: true, encoding: .utf8)
        try (c.kubeconfig ?? Self.validKubeconfig).write(toFile: kubeconfigPath, atomically: true, encoding: .utf8)
        var environment = [
            "DATABASE_URL": "host=127.0.0.1 port=1 dbname=nothing user=nobody connect_timeout=1",
            "KUBECONFIG": kubeconfigPath, "JOB_TEMPLATE": templatePath, "HEALTH_PORT": String(try FreePort.pick()),
            "POD_NAME": "config-test", "LEADER_ELECTION": "false",
        ]
        environment.merge(c.environment) { _, new in new }

        let result = try await ChildProcess.run(BuildProducts.path("provisioner"), c.arguments, environment: environment, timeout: 20)
        let output = result.stdout + result.stderr
        #expect(result.code == 2, "exit code \(result.code): \(output)")
        for text in c.mentions { #expect(output.contains(text), "\(text) not in: \(output)") }
        #expect(!output.contains(Self.password))
        #expect(output.split(separator: "\n").count < 30, "a configuration error is a short message, not a run log: \(output)")
    }

    @Test func helpExitsZeroWithUsage() async throws {
        let result = try await ChildProcess.run(BuildProducts.path("provisioner"), ["--help"], environment: [:], timeout: 20)
        #expect(result.code == 0)
        #expect(result.stdout.contains("provisioner plan"))
    }
}

import Common
import Kube
import TestSupport
import Foundation
import TenantCore
import Testing
@testable import TenantRuntime

@Suite struct PullSecretsTests {
    static func secret(type: String, key: String, content: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "Secret", "type": .string(type), "data": [.init(stringLiteral: key): .string(Base64.encode(Array(content.utf8)))]]
    }

    @Test func readsDockerConfigJSONAndTheOlderDockerCfg() throws {
        let auth = Base64.encode(Array("robot:pw".utf8))
        let json = Self.secret(type: "kubernetes.io/dockerconfigjson", key: ".dockerconfigjson", content: #"{"auths": {"ghcr.io": {"auth": "\#(auth)"}}}"#)
        #expect(try PullSecrets.decode(json).get() == ["ghcr.io": RegistryCredentials(username: "robot", password: "pw")])
        let cfg = Self.secret(type: "kubernetes.io/dockercfg", key: ".dockercfg", content: #"{"https://index.docker.io/v1/": {"auth": "\#(auth)"}}"#)
        #expect(try PullSecrets.decode(cfg).get() == ["docker.io": RegistryCredentials(username: "robot", password: "pw")])
    }

    @Test func anotherTypeOrAnUnreadableKeyIsAProblemNamingIt() {
        guard case .failure(let opaque) = PullSecrets.decode(Self.secret(type: "Opaque", key: "x", content: "y")) else { Issue.record("Opaque read"); return }
        #expect(opaque.problem.contains("is of type Opaque") && opaque.problem.contains("docker-registry"))
        let broken: JSONValue = ["type": "kubernetes.io/dockerconfigjson", "data": [".dockerconfigjson": "%%%"]]
        guard case .failure(let unreadable) = PullSecrets.decode(broken) else { Issue.record("garbage read"); return }
        #expect(unreadable.problem == "has no readable .dockerconfigjson")
    }

    @Test func theTemplateNamesItsPullSecretsWhereverThePodTemplateSits() throws {
        let cron = try JobTemplate.parse(yaml: """
            apiVersion: batch/v1
            kind: CronJob
            metadata:
              name: sync
            spec:
              schedule: "0 5 * * *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      imagePullSecrets:
                        - name: ghcr-pull
                        - name: hub-pull
                      containers:
                        - name: main
                          image: ghcr.io/acme/sync:1
            """, file: "c.yaml")
        #expect(cron.imagePullSecretNames == ["ghcr-pull", "hub-pull"])
    }
}

/// `PullSecrets` against the emulator's Secrets: what `kubectl create secret docker-registry`
/// makes is read; a Role that grants `get` on exactly the named Secrets is enough, and a name it
/// does not grant is a problem said without any credential.
@Suite struct PullSecretsEmulatorTests {
    static let curlReady: Void = KubeTransport.globalInit()

    @Test func readsTheNamedSecretsWithAResourceNamesRole() async throws {
        _ = Self.curlReady
        try await KubeEmulator.with { emulator in
            for (name, server) in [("ghcr-pull", "ghcr.io"), ("other-pull", "quay.io")] {
                let made = try await ChildProcess.run("/usr/bin/env", ["kubectl", "--kubeconfig", emulator.kubeconfigPath, "create", "secret", "docker-registry", name,
                                                                       "--docker-server=\(server)", "--docker-username=robot", "--docker-password=pw-\(name)"])
                #expect(made.code == 0, "\(made.stderr)")
            }
            try await emulator.addToken("pull-reader", user: "system:serviceaccount:default:tenant-provisioner", role: [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "pull-reader"],
                "rules": [["apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["ghcr-pull"]]],
            ])
            let config = try KubeconfigFile.load(path: try emulator.writeKubeconfig(token: "pull-reader", name: "pull-reader"))
            let client = KubeClient(config: config, rateLimit: .init(qps: 100, burst: 100), logger: Logger(label: "test", sink: .memory()))
            let granted = await PullSecrets(client: client, namespace: "default", names: ["ghcr-pull"]).credentials()
            #expect(granted.byDomain == ["ghcr.io": RegistryCredentials(username: "robot", password: "pw-ghcr-pull")] && granted.problems.isEmpty)
            let refused = await PullSecrets(client: client, namespace: "default", names: ["other-pull", "missing"]).credentials()
            #expect(refused.byDomain.isEmpty)
            #expect(refused.problems.count == 2 && refused.problems[0].contains("forbidden"), "\(refused.problems)")
            #expect(!refused.problems.joined().contains("pw-"), "no credential in a problem")
        }
    }
}

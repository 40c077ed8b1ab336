import Common
import Foundation
import Kube
import Testing

@Suite struct InClusterConfigTests {
    static let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]

    @Test func readsServiceAccountFilesAndServiceAddress() throws {
        let dir = try TempDirectory()
        try dir.write("token", "tok-1\n")
        try dir.write("ca.crt", "CA")
        try dir.write("namespace", "tenants\n")
        let config = try #require(try InClusterConfig.load(environment: Self.env, directory: dir.path))
        #expect(config.server == "https://10.96.0.1:443")
        #expect(try config.token?.current() == "tok-1")
        #expect(config.certificateAuthority == .file(dir.path + "/ca.crt"))
        #expect(config.namespace == "tenants")
    }

    @Test func ipv6ServiceHostIsBracketed() throws {
        let dir = try TempDirectory()
        try dir.write("token", "t")
        let config = try InClusterConfig.load(environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"], directory: dir.path)
        #expect(config?.server == "https://[fd00::1]:6443")
    }

    @Test func notInAClusterWithoutServiceHost() throws {
        let dir = try TempDirectory()
        try dir.write("token", "t")
        #expect(try InClusterConfig.load(environment: [:], directory: dir.path) == nil)
    }

    @Test func rotatedTokenIsReadAgain() throws {
        let dir = try TempDirectory()
        try dir.write("token", "first")
        let config = try #require(try InClusterConfig.load(environment: Self.env, directory: dir.path))
        #expect(try config.token?.current() == "first")
        #expect(try config.token?.current() == "first")
        // The kubelet swaps in a new file; a rename gives it a new inode even within the same second.
        let next = try dir.write("token.new", "second-token")
        try FileManager.default.removeItem(atPath: dir.path + "/token")
        try FileManager.default.moveItem(atPath: next, toPath: dir.path + "/token")
        #expect(try config.token?.current() == "second-token")
    }

    @Test func inClusterWinsOverKubeconfig() throws {
        let dir = try TempDirectory()
        try dir.write("token", "t")
        let kube = try dir.write("kubeconfig", "current-context: nope\n")
        var env = Self.env
        env["KUBECONFIG"] = kube
        let config = try KubeConfigLoader.load(environment: env, serviceAccountDirectory: dir.path)
        #expect(config.server == "https://10.96.0.1:443")
    }

    @Test func kubeconfigFromEnvironmentOutsideACluster() throws {
        let dir = try TempDirectory()
        let kube = try dir.write("kubeconfig", KubeconfigFileTests.kubeconfig(cluster: "server: https://k:1", user: "token: t"))
        let config = try KubeConfigLoader.load(environment: ["KUBECONFIG": kube], serviceAccountDirectory: dir.path + "/none")
        #expect(config.server == "https://k:1")
        #expect(config.source == kube)
    }

    @Test func homeKubeconfigIsTheFallback() throws {
        let home = try TempDirectory()
        try FileManager.default.createDirectory(atPath: home.path + "/.kube", withIntermediateDirectories: true)
        try home.write(".kube/config", KubeconfigFileTests.kubeconfig(cluster: "server: https://home:1", user: "token: t"))
        let config = try KubeConfigLoader.load(environment: [:], serviceAccountDirectory: home.path + "/none", homeDirectory: home.path)
        #expect(config.server == "https://home:1")
    }

    @Test func noCredentialsAnywhereIsAnError() throws {
        let home = try TempDirectory()
        #expect(throws: KubeConfigError.self) {
            try KubeConfigLoader.load(environment: [:], serviceAccountDirectory: home.path + "/none", homeDirectory: home.path)
        }
    }

    @Test func namespaceResolutionOrder() throws {
        let sa = try TempDirectory()
        let config = KubeConfig(server: "https://x", namespace: "from-context", source: "test")
        #expect(KubeConfigLoader.namespace(environment: [:], serviceAccountDirectory: sa.path, config: nil) == "default")
        #expect(KubeConfigLoader.namespace(environment: [:], serviceAccountDirectory: sa.path, config: config) == "from-context")
        try sa.write("namespace", "pod-ns")
        #expect(KubeConfigLoader.namespace(environment: [:], serviceAccountDirectory: sa.path, config: config) == "pod-ns")
        #expect(KubeConfigLoader.namespace(environment: ["NAMESPACE": "env-ns"], serviceAccountDirectory: sa.path, config: config) == "env-ns")
    }
}

@Suite struct NamespaceValidationTests {
    @Test func aNamespaceFromAnySourceMustBeADNSLabel() throws {
        #expect(try KubeConfigLoader.validNamespace(environment: ["NAMESPACE": "tenants"], config: nil) == "tenants")
        let error = #expect(throws: ConfigError.self) {
            try KubeConfigLoader.validNamespace(environment: ["NAMESPACE": "Prod_Ns"], config: nil)
        }
        #expect(error?.name == "NAMESPACE" && error?.description.contains("Prod_Ns") == true)
    }
}

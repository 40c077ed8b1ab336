import Foundation
import Kube
import Testing

@Suite struct KubeconfigFileTests {
    static func kubeconfig(cluster: String, user: String, context: String = "namespace: team-a", current: String = "ctx") -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: \(current)
        clusters:
        - name: other
          cluster:
            server: https://other:6443
        - name: c1
          cluster:
        \(cluster.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        users:
        - name: u1
          user:
        \(user.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        contexts:
        - name: ctx
          context:
            cluster: c1
            user: u1
            \(context)
        - name: ctx2
          context:
            cluster: other
            user: u1
        """
    }

    @Test func bearerTokenAndCurrentContextNamespace() throws {
        let dir = try TempDirectory()
        let path = try dir.write("config", Self.kubeconfig(cluster: "server: https://10.0.0.1:6443/", user: "token: sekret"))
        let config = try KubeconfigFile.load(path: path)
        #expect(config.server == "https://10.0.0.1:6443")
        #expect(try config.token?.current() == "sekret")
        #expect(config.namespace == "team-a")
        #expect(config.insecureSkipTLSVerify == false)
        #expect(config.certificateAuthority == nil)
        #expect(!config.description.contains("sekret"))
    }

    @Test func anExplicitContextOverridesCurrentContext() throws {
        let dir = try TempDirectory()
        let path = try dir.write("config", Self.kubeconfig(cluster: "server: https://a:1", user: "token: t"))
        #expect(try KubeconfigFile.load(path: path, context: "ctx2").server == "https://other:6443")
    }

    @Test func tokenFileIsResolvedRelativeToTheKubeconfig() throws {
        let dir = try TempDirectory()
        try dir.write("tok", "from-file\n")
        let path = try dir.write("config", Self.kubeconfig(cluster: "server: https://a:1", user: "tokenFile: tok"))
        let config = try KubeconfigFile.load(path: path)
        #expect(config.token?.path == dir.path + "/tok")
        #expect(try config.token?.current() == "from-file")
    }

    @Test func certificateAuthorityAndClientCertificateAsData() throws {
        let dir = try TempDirectory()
        let ca = Data("CA PEM".utf8).base64EncodedString()
        let cert = Data("CERT PEM".utf8).base64EncodedString()
        let key = Data("KEY PEM".utf8).base64EncodedString()
        let path = try dir.write("config", Self.kubeconfig(
            cluster: "server: https://a:1\ncertificate-authority-data: \(ca)",
            user: "client-certificate-data: \(cert)\nclient-key-data: \(key)"))
        let config = try KubeconfigFile.load(path: path)
        #expect(config.certificateAuthority == .data(Data("CA PEM".utf8)))
        #expect(config.clientCertificate == .data(Data("CERT PEM".utf8)))
        #expect(config.clientKey == .data(Data("KEY PEM".utf8)))
        #expect(config.token == nil)
    }

    @Test func certificateAuthorityAndClientCertificateAsFiles() throws {
        let dir = try TempDirectory()
        let ca = try dir.write("ca.crt", "CA")
        try dir.write("client.crt", "C")
        try dir.write("client.key", "K")
        let path = try dir.write("config", Self.kubeconfig(
            cluster: "server: https://a:1\ncertificate-authority: \(ca)",
            user: "client-certificate: client.crt\nclient-key: client.key"))
        let config = try KubeconfigFile.load(path: path)
        #expect(config.certificateAuthority == .file(ca))
        #expect(config.clientCertificate == .file(dir.path + "/client.crt"))
        #expect(config.clientKey == .file(dir.path + "/client.key"))
    }

    @Test func insecureSkipTLSVerify() throws {
        let dir = try TempDirectory()
        let path = try dir.write("config", Self.kubeconfig(cluster: "server: https://a:1\ninsecure-skip-tls-verify: true", user: "token: t"))
        #expect(try KubeconfigFile.load(path: path).insecureSkipTLSVerify)
    }

    @Test func contextWithoutNamespaceLeavesItUnset() throws {
        let dir = try TempDirectory()
        let path = try dir.write("config", Self.kubeconfig(cluster: "server: https://a:1", user: "token: t", context: ""))
        #expect(try KubeconfigFile.load(path: path).namespace == nil)
    }

    @Test func malformedYAMLNamesFileAndLine() throws {
        let dir = try TempDirectory()
        let path = try dir.write("config", "clusters:\n- name: a\n  cluster: [unclosed\ntoken: sekret\n")
        do {
            _ = try KubeconfigFile.load(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.file == path)
            #expect(error.problem.contains("line"))
            #expect(!error.description.contains("sekret"))
        }
    }

    @Test func unknownCurrentContextListsTheKnownOnes() throws {
        let dir = try TempDirectory()
        let path = try dir.write("config", Self.kubeconfig(cluster: "server: https://a:1", user: "token: t", current: "nope"))
        do {
            _ = try KubeconfigFile.load(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains(path))
            #expect(error.problem.contains("context \"nope\" is not defined"))
            #expect(error.problem.contains("ctx, ctx2"))
        }
    }

    @Test func missingServerIsAnError() throws {
        let dir = try TempDirectory()
        let path = try dir.write("config", Self.kubeconfig(cluster: "insecure-skip-tls-verify: true", user: "token: t"))
        #expect(throws: KubeConfigError.self) { try KubeconfigFile.load(path: path) }
    }

    @Test func execPluginIsRefusedByName() throws {
        let dir = try TempDirectory()
        let path = try dir.write("config", Self.kubeconfig(cluster: "server: https://a:1", user: "exec:\n  command: aws"))
        #expect(throws: KubeConfigError.self) { try KubeconfigFile.load(path: path) }
        do { _ = try KubeconfigFile.load(path: path) } catch { #expect(error.problem.contains("exec")) }
    }

    @Test func badBase64IsAnError() throws {
        let dir = try TempDirectory()
        let path = try dir.write("config", Self.kubeconfig(cluster: "server: https://a:1\ncertificate-authority-data: '!!!'", user: "token: t"))
        do {
            _ = try KubeconfigFile.load(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.problem.contains("certificate-authority-data"))
        }
    }

    @Test func missingFileIsAnErrorNamingIt() {
        #expect(throws: KubeConfigError(file: "/nonexistent/kubeconfig",
                                        problem: "the kubeconfig file cannot be read (set KUBECONFIG to a readable file, or run in a cluster)")) {
            try KubeconfigFile.load(path: "/nonexistent/kubeconfig")
        }
    }
}

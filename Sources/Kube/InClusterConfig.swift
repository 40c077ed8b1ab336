import Common
import FoundationEssentials

/// The service-account configuration every pod gets: `KUBERNETES_SERVICE_HOST`/`_PORT` and the
/// files `token`, `ca.crt` and `namespace` in the service-account directory.
public enum InClusterConfig {
    public static let defaultDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The configuration when running in a pod, nil when not (no service host variable or no
    /// token file). `directory` is injectable so tests can use a temp dir.
    public static func load(environment: [String: String], directory: String = defaultDirectory) throws(KubeConfigError) -> KubeConfig? {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else { return nil }
        let tokenPath = directory + "/token"
        guard FileManager.default.fileExists(atPath: tokenPath) else { return nil }
        let port = environment["KUBERNETES_SERVICE_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "443"
        guard let portNumber = Int(port), (1...65535).contains(portNumber) else {
            throw KubeConfigError(file: "KUBERNETES_SERVICE_PORT", problem: "\"\(port)\" is not a port number")
        }
        // An IPv6 service address needs brackets in a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let caPath = directory + "/ca.crt"
        return KubeConfig(
            server: "https://\(hostPart):\(portNumber)",
            token: .file(tokenPath),
            certificateAuthority: FileManager.default.isReadableFile(atPath: caPath) ? .file(caPath) : nil,
            namespace: namespace(directory: directory),
            source: "in-cluster service account (\(directory))")
    }

    /// The pod's own namespace from the service-account `namespace` file, if present.
    public static func namespace(directory: String = defaultDirectory) -> String? {
        guard let data = FileManager.default.contents(atPath: directory + "/namespace") else { return nil }
        let ns = String(decoding: data, as: UTF8.self).trimmingWhitespace()
        return ns.isEmpty ? nil : ns
    }
}

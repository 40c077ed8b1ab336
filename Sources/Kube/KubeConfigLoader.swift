import Common
import FoundationEssentials

/// Picks the credentials the SPEC names: in-cluster service account first, else `KUBECONFIG`
/// (its first entry when it lists several files), else `~/.kube/config`.
public enum KubeConfigLoader {
    public static func load(environment: [String: String], serviceAccountDirectory: String = InClusterConfig.defaultDirectory,
                            homeDirectory: String? = nil) throws(KubeConfigError) -> KubeConfig {
        if let config = try InClusterConfig.load(environment: environment, directory: serviceAccountDirectory) {
            return config
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let files = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            guard let first = files.first(where: { FileManager.default.fileExists(atPath: $0) }) ?? files.first else {
                throw KubeConfigError(file: "KUBECONFIG", problem: "names no file")
            }
            return try KubeconfigFile.load(path: first)
        }
        let home = homeDirectory ?? environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        let path = home + "/.kube/config"
        guard FileManager.default.fileExists(atPath: path) else {
            throw KubeConfigError(file: path, problem: "no Kubernetes credentials: not running in a pod (KUBERNETES_SERVICE_HOST unset), KUBECONFIG unset and this file does not exist")
        }
        return try KubeconfigFile.load(path: path)
    }

    /// SPEC: `NAMESPACE`, else the pod's own namespace (service-account file), else the
    /// kubeconfig context's namespace, else `default`.
    public static func namespace(environment: [String: String], serviceAccountDirectory: String = InClusterConfig.defaultDirectory,
                                 config: KubeConfig?) -> String {
        if let ns = environment["NAMESPACE"], !ns.isEmpty { return ns }
        if let ns = InClusterConfig.namespace(directory: serviceAccountDirectory) { return ns }
        if let ns = config?.namespace { return ns }
        return "default"
    }

    /// The namespace as above, checked once for every source it may come from.
    public static func validNamespace(environment: [String: String], config: KubeConfig?) throws(ConfigError) -> String {
        let namespace = namespace(environment: environment, config: config)
        guard DNSName.isLabel(namespace) else {
            throw ConfigError(name: "NAMESPACE", value: namespace,
                              problem: "must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters")
        }
        return namespace
    }
}

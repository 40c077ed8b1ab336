import Common
import FoundationEssentials
import Kube
import TenantCore

/// The registry credentials of the template's `imagePullSecrets`, read through the API (the
/// Role grants `get` on exactly those names). `kubernetes.io/dockerconfigjson` Secrets
/// (`.dockerconfigjson`) and the older `kubernetes.io/dockercfg` (`.dockercfg`, the `auths` map
/// alone). For a registry named in several Secrets the first one counts, in the template's order,
/// as the kubelet tries them. What cannot be read is said in `problems` (never a credential).
public struct PullSecrets: Sendable {
    let client: KubeClient
    let namespace: String
    let names: [String]

    public init(client: KubeClient, namespace: String, names: [String]) {
        self.client = client
        self.namespace = namespace
        self.names = names
    }

    public func credentials() async -> (byDomain: [String: RegistryCredentials], problems: [String]) {
        var byDomain: [String: RegistryCredentials] = [:]
        var problems: [String] = []
        for name in names {
            let secret: JSONValue?
            do {
                secret = try await client.get(.secrets, namespace: namespace, name: name, as: JSONValue.self)
            } catch {
                problems.append("Secret \(name): \(error.description)")
                continue
            }
            guard let secret else {
                problems.append("Secret \(name) does not exist in \(namespace)")
                continue
            }
            switch Self.decode(secret) {
            case .success(let found):
                for (domain, credentials) in found where byDomain[domain] == nil { byDomain[domain] = credentials }
            case .failure(let error):
                problems.append("Secret \(name): \(error.problem)")
            }
        }
        return (byDomain, problems)
    }

    /// A Secret's credentials by registry domain.
    static func decode(_ secret: JSONValue) -> Result<[String: RegistryCredentials], DockerConfig.ParseError> {
        let type = secret["type"]?.stringValue ?? "Opaque"
        let key: String
        switch type {
        case "kubernetes.io/dockerconfigjson": key = ".dockerconfigjson"
        case "kubernetes.io/dockercfg": key = ".dockercfg"
        default: return .failure(.init(problem: "is of type \(type); an image pull Secret is kubernetes.io/dockerconfigjson (kubectl create secret docker-registry)"))
        }
        guard let encoded = secret["data"]?[key]?.stringValue, let bytes = Base64.decode(encoded), let text = String(bytes: bytes, encoding: .utf8) else {
            return .failure(.init(problem: "has no readable \(key)"))
        }
        // `.dockercfg` is the `auths` map itself.
        return DockerConfig.credentials(fromJSON: type == "kubernetes.io/dockercfg" ? "{\"auths\": \(text)}" : text)
    }
}

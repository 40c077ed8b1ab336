import Foundation

/// A resource type of the API and where it lives: core resources under `/api/v1`, others under
/// `/apis/<group>/<version>`. Only the ones we use are predefined.
public struct KubeResource: Sendable, Hashable, CustomStringConvertible {
    /// Empty for the core group.
    public var group: String
    public var version: String
    /// Lowercase plural as it appears in the path (`jobs`).
    public var plural: String
    public var namespaced: Bool

    public init(group: String, version: String, plural: String, namespaced: Bool = true) {
        self.group = group
        self.version = version
        self.plural = plural
        self.namespaced = namespaced
    }

    public static let jobs = KubeResource(group: "batch", version: "v1", plural: "jobs")
    public static let pods = KubeResource(group: "", version: "v1", plural: "pods")
    public static let events = KubeResource(group: "", version: "v1", plural: "events")
    public static let configMaps = KubeResource(group: "", version: "v1", plural: "configmaps")
    public static let leases = KubeResource(group: "coordination.k8s.io", version: "v1", plural: "leases")
    public static let namespaces = KubeResource(group: "", version: "v1", plural: "namespaces", namespaced: false)

    /// `/api/v1` or `/apis/batch/v1`.
    public var groupVersionPath: String {
        group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
    }

    /// The collection path: in one namespace, or across all of them when `namespace` is nil.
    public func collectionPath(namespace: String?) -> String {
        if namespaced, let namespace {
            return "\(groupVersionPath)/namespaces/\(KubePath.segment(namespace))/\(plural)"
        }
        return "\(groupVersionPath)/\(plural)"
    }

    public func objectPath(namespace: String?, name: String, subresource: String? = nil) -> String {
        var path = collectionPath(namespace: namespace) + "/" + KubePath.segment(name)
        if let subresource { path += "/" + subresource }
        return path
    }

    /// `jobs.batch` or `pods`, the way the API names resources in messages.
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }
}

enum KubePath {
    /// Names are DNS labels in practice, but a path segment must never let a `/` or `?` through.
    static func segment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }

    /// RFC 3986 unreserved characters; everything else in a query value is percent-encoded.
    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
}

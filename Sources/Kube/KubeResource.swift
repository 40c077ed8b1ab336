import FoundationEssentials

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
    public static let cronJobs = KubeResource(group: "batch", version: "v1", plural: "cronjobs")
    public static let deployments = KubeResource(group: "apps", version: "v1", plural: "deployments")
    public static let pods = KubeResource(group: "", version: "v1", plural: "pods")
    public static let events = KubeResource(group: "", version: "v1", plural: "events")
    public static let configMaps = KubeResource(group: "", version: "v1", plural: "configmaps")
    public static let secrets = KubeResource(group: "", version: "v1", plural: "secrets")
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
    /// Every byte of the UTF-8 text but RFC 3986's unreserved characters (`A–Z a–z 0–9 - . _ ~`)
    /// is percent-encoded, in capitals.
    static func segment(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

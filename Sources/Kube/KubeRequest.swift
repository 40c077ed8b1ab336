import Common
import FoundationEssentials

/// The Kubernetes verb of a request, used for metrics and RBAC-shaped log lines.
public enum KubeVerb: String, Sendable, Hashable, CaseIterable {
    case get, list, watch, create, update, patch, delete
}

/// `DeleteOptions.propagationPolicy`. batch/v1 Jobs default to `Orphan`, which leaves pods
/// behind; the operator always deletes with `Foreground`.
public enum PropagationPolicy: String, Sendable, Hashable, CaseIterable {
    case foreground = "Foreground"
    case background = "Background"
    case orphan = "Orphan"
}

/// One HTTP request to the API server, built as a value and sent by `KubeClient`. Building sends
/// nothing, so every builder is testable without a server. Credentials are added by the transport
/// and never appear here (a request can be logged as it is).
public struct KubeRequest: Sendable, Equatable {
    public var verb: KubeVerb
    public var method: String
    public var path: String
    public var query: [QueryItem]
    public var headers: [String: String]
    public var body: Data?

    public struct QueryItem: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(verb: KubeVerb, method: String, path: String, query: [QueryItem] = [], headers: [String: String] = [:], body: Data? = nil) {
        self.verb = verb
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// `name=value&…` with every character outside RFC 3986's unreserved set percent-encoded
    /// (so `=`, `,`, `!` and `/` inside a label selector survive the trip).
    public var queryString: String {
        query.map { "\(KubePath.segment($0.name))=\(KubePath.segment($0.value))" }.joined(separator: "&")
    }

    /// Path plus query, as sent after the server URL.
    public var target: String {
        query.isEmpty ? path : path + "?" + queryString
    }

    static let jsonHeaders = ["Accept": "application/json"]
    static let jsonBodyHeaders = ["Accept": "application/json", "Content-Type": "application/json"]

    // MARK: builders

    public static func get(_ resource: KubeResource, namespace: String?, name: String, subresource: String? = nil) -> KubeRequest {
        KubeRequest(verb: .get, method: "GET", path: resource.objectPath(namespace: namespace, name: name, subresource: subresource), headers: jsonHeaders)
    }

    /// One page of a list. `limit`/`continue` paginate; an empty selector is left out.
    public static func list(_ resource: KubeResource, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil,
                            limit: Int? = nil, continue token: String? = nil) -> KubeRequest {
        var q: [QueryItem] = []
        if let labelSelector, !labelSelector.isEmpty { q.append(.init("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(.init("fieldSelector", fieldSelector)) }
        if let limit { q.append(.init("limit", String(limit))) }
        if let token, !token.isEmpty { q.append(.init("continue", token)) }
        return KubeRequest(verb: .list, method: "GET", path: resource.collectionPath(namespace: namespace), query: q, headers: jsonHeaders)
    }

    /// A watch: newline-delimited JSON events from `resourceVersion` on (absent or "0": the
    /// current objects first as ADDED events). The server ends it after `timeoutSeconds`.
    public static func watch(_ resource: KubeResource, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil,
                             resourceVersion: String?, allowBookmarks: Bool = true, timeoutSeconds: Int? = nil) -> KubeRequest {
        var q: [QueryItem] = [.init("watch", "true")]
        if let labelSelector, !labelSelector.isEmpty { q.append(.init("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(.init("fieldSelector", fieldSelector)) }
        if let resourceVersion, !resourceVersion.isEmpty { q.append(.init("resourceVersion", resourceVersion)) }
        if allowBookmarks { q.append(.init("allowWatchBookmarks", "true")) }
        if let timeoutSeconds { q.append(.init("timeoutSeconds", String(timeoutSeconds))) }
        return KubeRequest(verb: .watch, method: "GET", path: resource.collectionPath(namespace: namespace), query: q, headers: jsonHeaders)
    }

    /// POST of a whole manifest.
    public static func create(_ resource: KubeResource, namespace: String?, body: JSONValue) -> KubeRequest {
        KubeRequest(verb: .create, method: "POST", path: resource.collectionPath(namespace: namespace),
                    headers: jsonBodyHeaders, body: Data(body.canonicalJSON.utf8))
    }

    public static func create<Body: Encodable>(_ resource: KubeResource, namespace: String?, object: Body) throws -> KubeRequest {
        KubeRequest(verb: .create, method: "POST", path: resource.collectionPath(namespace: namespace),
                    headers: jsonBodyHeaders, body: try KubeJSON.encode(object))
    }

    /// PUT of a whole object; its `metadata.resourceVersion` makes a stale write a 409 Conflict.
    public static func update(_ resource: KubeResource, namespace: String?, name: String, body: JSONValue, subresource: String? = nil) -> KubeRequest {
        KubeRequest(verb: .update, method: "PUT", path: resource.objectPath(namespace: namespace, name: name, subresource: subresource),
                    headers: jsonBodyHeaders, body: Data(body.canonicalJSON.utf8))
    }

    public static func update<Body: Encodable>(_ resource: KubeResource, namespace: String?, name: String, object: Body, subresource: String? = nil) throws -> KubeRequest {
        KubeRequest(verb: .update, method: "PUT", path: resource.objectPath(namespace: namespace, name: name, subresource: subresource),
                    headers: jsonBodyHeaders, body: try KubeJSON.encode(object))
    }

    /// JSON merge patch (RFC 7386): `null` removes a key. The content type selects the patch kind.
    public static func mergePatch(_ resource: KubeResource, namespace: String?, name: String, patch: JSONValue, subresource: String? = nil) -> KubeRequest {
        KubeRequest(verb: .patch, method: "PATCH", path: resource.objectPath(namespace: namespace, name: name, subresource: subresource),
                    headers: ["Accept": "application/json", "Content-Type": "application/merge-patch+json"], body: Data(patch.canonicalJSON.utf8))
    }

    /// DELETE with a DeleteOptions body. `preconditionUID` makes the server refuse (409) to delete
    /// a different object that took the same name in the meantime.
    public static func delete(_ resource: KubeResource, namespace: String?, name: String, propagation: PropagationPolicy?,
                              preconditionUID: String? = nil) -> KubeRequest {
        var options: [String: JSONValue] = ["apiVersion": "v1", "kind": "DeleteOptions"]
        if let propagation { options["propagationPolicy"] = .string(propagation.rawValue) }
        if let preconditionUID { options["preconditions"] = ["uid": .string(preconditionUID)] }
        return KubeRequest(verb: .delete, method: "DELETE", path: resource.objectPath(namespace: namespace, name: name),
                           headers: jsonBodyHeaders, body: Data(JSONValue.object(options).canonicalJSON.utf8))
    }

    /// `pods/log` as plain text: the last `tailLines` lines of `container`, at most `limitBytes`;
    /// `previous` asks for the container's previous (terminated) instance, which the server
    /// refuses with 400 when there is none.
    public static func podLog(namespace: String, name: String, container: String? = nil, tailLines: Int? = nil, limitBytes: Int? = nil,
                              previous: Bool = false) -> KubeRequest {
        var q: [QueryItem] = []
        if let container { q.append(.init("container", container)) }
        if previous { q.append(.init("previous", "true")) }
        if let tailLines { q.append(.init("tailLines", String(tailLines))) }
        if let limitBytes { q.append(.init("limitBytes", String(limitBytes))) }
        return KubeRequest(verb: .get, method: "GET", path: KubeResource.pods.objectPath(namespace: namespace, name: name, subresource: "log"),
                           query: q, headers: ["Accept": "text/plain"])
    }
}

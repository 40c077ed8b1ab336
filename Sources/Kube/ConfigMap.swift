import FoundationEssentials

/// A core `v1` ConfigMap: string data under metadata. What the standalone restarter keeps its
/// memory in.
public struct ConfigMap: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var data: [String: String]?

    public init(metadata: ObjectMeta, data: [String: String]) {
        self.apiVersion = "v1"
        self.kind = "ConfigMap"
        self.metadata = metadata
        self.data = data
    }
}

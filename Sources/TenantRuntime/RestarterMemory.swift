import Common
import FoundationEssentials
import Kube
import TenantCore

/// The standalone restarter's memory of the Jobs it watches, kept in the cluster: one ConfigMap
/// per Job, in the Jobs' namespace, labelled with the restarter instance. A ConfigMap and not
/// PostgreSQL because `DATABASE_URL` is optional for the restarter and its memory must survive
/// a restart (or SIGKILL, or a leader change) either way; a ConfigMap per Job and not one for
/// all because a ConfigMap holds at most 1 MiB and every write rewrites it whole.
///
/// Read in full once per leadership term (one LIST); written only when an entry changes
/// (a Job first seen, a failure recorded, a restart's intent and end, a success after failures).
public actor RestarterMemory {
    let client: KubeClient
    let namespace: String
    /// Hash of the restarter's Lease name: tells instances sharing a namespace apart.
    let instance: String
    private var entries: [String: (entry: WatchedJob, resourceVersion: String?)] = [:]
    private(set) var isLoaded = false

    static let managedBy = "tenant-restarter"
    static let instanceLabel = "tenant-provisioner/restarter-instance"

    public init(client: KubeClient, namespace: String, leaseName: String) {
        self.client = client
        self.namespace = namespace
        self.instance = String(SHA256.hex(leaseName).prefix(12))
    }

    var selector: String { "app.kubernetes.io/managed-by=\(Self.managedBy),\(Self.instanceLabel)=\(instance)" }

    /// The ConfigMap name of Job `job`: unique per instance and Job, and a valid name.
    func configMapName(_ job: String) -> String {
        "restarter-\(job)-\(SHA256.hex(instance + "/" + job).prefix(8))"
    }

    public func entry(_ name: String) -> WatchedJob? { entries[name]?.entry }
    public var names: [String] { Array(entries.keys) }
    public var count: Int { entries.count }

    /// Reads every entry of this instance (a new leadership term: another replica may have written).
    public func load() async throws(KubeError) {
        let maps = try await client.listAll(.configMaps, namespace: namespace, labelSelector: selector, as: ConfigMap.self).items
        var loaded: [String: (WatchedJob, String?)] = [:]
        for map in maps {
            guard let entry = Self.decode(map) else { continue }
            loaded[entry.name] = (entry, map.metadata.resourceVersion)
        }
        entries = loaded
        isLoaded = true
    }

    public func invalidate() {
        entries = [:]
        isLoaded = false
    }

    /// Writes `entry` (creating its ConfigMap or replacing it). A conflict (another writer) is
    /// resolved by reading the current version and writing again: this replica leads.
    public func save(_ entry: WatchedJob) async throws(KubeError) {
        let name = configMapName(entry.name)
        var map = ConfigMap(metadata: ObjectMeta(name: name, namespace: namespace,
                                                 labels: ["app.kubernetes.io/managed-by": Self.managedBy, Self.instanceLabel: instance]),
                            data: Self.encode(entry))
        for _ in 0..<3 {
            do {
                let written: ConfigMap
                if let version = entries[entry.name]?.resourceVersion {
                    map.metadata.resourceVersion = version
                    written = try await client.update(.configMaps, namespace: namespace, name: name, object: map)
                } else {
                    written = try await client.create(.configMaps, namespace: namespace, object: map)
                }
                entries[entry.name] = (entry, written.metadata.resourceVersion)
                return
            } catch where error.isConflict || error.isNotFound {
                // Stale version, already exists, or gone: take the server's version and try again.
                let current: ConfigMap? = try await client.get(.configMaps, namespace: namespace, name: name)
                entries[entry.name] = (entries[entry.name]?.entry ?? entry, current?.metadata.resourceVersion)
            }
        }
        throw KubeError.invalidResponse("the ConfigMap \(name) kept changing under the restarter; it is written again on the next event")
    }

    public func forget(_ name: String) async throws(KubeError) {
        _ = try await client.delete(.configMaps, namespace: namespace, name: configMapName(name), propagation: nil)
        entries[name] = nil
    }

    static func encode(_ entry: WatchedJob) -> [String: String] {
        var data = ["job": entry.name, "manifest": entry.manifest.canonicalJSON, "uid": entry.uid,
                    "consecutiveFailures": String(entry.consecutiveFailures)]
        if let failed = entry.failedUID { data["failedUID"] = failed }
        if let at = entry.restartAt { data["restartAt"] = Timestamp.rfc3339Millis(at) }
        if let deleting = entry.deletingUID { data["deletingUID"] = deleting }
        return data
    }

    static func decode(_ map: ConfigMap) -> WatchedJob? {
        guard let data = map.data, let name = data["job"], let uid = data["uid"], let text = data["manifest"],
              let manifest = try? JSONValue.parse(Data(text.utf8)) else { return nil }
        return WatchedJob(name: name, manifest: manifest, uid: uid, consecutiveFailures: Int(data["consecutiveFailures"] ?? "") ?? 0,
                          failedUID: data["failedUID"], restartAt: data["restartAt"].flatMap(Timestamp.parse), deletingUID: data["deletingUID"])
    }
}

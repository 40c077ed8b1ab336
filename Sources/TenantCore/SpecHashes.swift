/// The spec hash each account's Job should carry, remembered with the `RenderKey` it was
/// rendered for, so an idle pass over 10,000 accounts whose Jobs are in place renders and
/// hashes nothing. A plain value, owned by the reconciler: it hands it to the planner `inout`
/// (the planner adds what it had to render to compare a Job), and adds the hash of every Job
/// the executor created, so a Job is rendered once, when it is sent. Valid for one template,
/// namespace and instance: a running provisioner has one of each.
public struct SpecHashes: Sendable {
    private var entries: [String: (key: RenderKey, hash: String)] = [:]

    public init() {}

    public var count: Int { entries.count }

    /// The remembered hash, if it was computed for this very key.
    public func hash(accountID: String, key: RenderKey) -> String? {
        guard let entry = entries[accountID], entry.key == key else { return nil }
        return entry.hash
    }

    public mutating func remember(_ hash: String, accountID: String, key: RenderKey) {
        entries[accountID] = (key, hash)
    }

    /// Forgets accounts no longer in the table.
    public mutating func retain(where keep: (String) -> Bool) {
        entries = entries.filter { keep($0.key) }
    }
}

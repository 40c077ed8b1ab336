/// What the planner remembers about each account between passes, so an idle pass over 10,000
/// accounts whose Jobs are in place neither names nor renders any of them: the account's Job
/// name (it depends only on the id and the template prefix), and the spec hash its Job should
/// carry with the `RenderKey` it was rendered for.
///
/// A plain value, owned by the reconciler: it hands it to the planner `inout` (the planner adds
/// the names it computed and the hashes it had to render to compare a Job) and adds the hash of
/// every Job the executor created, so a Job is rendered once, when it is sent. Valid for one
/// template, namespace and instance: a running provisioner has one of each.
public struct PlanMemo: Sendable {
    struct Entry {
        var name: String
        var key: RenderKey?
        var hash: String?
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    /// Accounts remembered.
    public var count: Int { entries.count }

    /// The account's Job name under `prefix`, remembered after the first call.
    mutating func jobName(accountID: String, prefix: String) -> String {
        if let entry = entries[accountID] { return entry.name }
        let name = JobNaming.name(prefix: prefix, accountID: accountID).name
        entries[accountID] = Entry(name: name)
        return name
    }

    /// The remembered hash, if it was computed for this very key.
    public func hash(accountID: String, key: RenderKey) -> String? {
        guard let entry = entries[accountID], entry.key == key else { return nil }
        return entry.hash
    }

    /// Remembers the spec hash of `name`'s Job rendered for `key`.
    public mutating func remember(_ hash: String, accountID: String, name: String, key: RenderKey) {
        entries[accountID] = Entry(name: name, key: key, hash: hash)
    }

    /// Forgets accounts no longer in the table.
    public mutating func retain(where keep: (String) -> Bool) {
        entries = entries.filter { keep($0.key) }
    }
}

import Common

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
        /// The name is `<prefix>-<account id>` (`JobNaming`: the id is its own slug and fits).
        /// Two plain names never collide; only a hashed name can equal another name.
        var isPlain: Bool
        var key: RenderKey?
        var hash: SpecDigest?

        /// The remembered hash, if it was computed for this very key.
        func hash(for key: RenderKey) -> SpecDigest? { self.key == key ? hash : nil }
    }

    /// What is kept per account: a plain name is not (it is `<prefix>-<id>`, rebuilt when asked;
    /// 10,000 names kept cost 0.65 MB, docs/benchmark.md), a hashed one is.
    private struct Stored {
        var hashedName: String?
        /// Key and hash together, in one optional (two optionals cost 16 bytes more a slot).
        var remembered: Remembered?
    }

    private struct Remembered {
        var key: RenderKey
        var hash: SpecDigest
    }

    private var entries: [String: Stored] = [:]
    /// The accounts whose names are hashed, by name: the only ones that can share a name with
    /// another account (usually none), so a pass looks up just the names it plans.
    private(set) var hashedByName: [String: Set<String>] = [:]

    public init() {}

    /// Accounts remembered.
    public var count: Int { entries.count }

    /// The account's entry, its name computed under `prefix` (and `maxLength`) the first time.
    mutating func entry(accountID: String, prefix: String, maxLength: Int = DNSName.maxLabelLength) -> Entry {
        if let stored = entries[accountID] {
            return Entry(name: stored.hashedName ?? JobNaming.plainName(prefix: prefix, accountID: accountID),
                         isPlain: stored.hashedName == nil, key: stored.remembered?.key, hash: stored.remembered?.hash)
        }
        let (name, suffix) = JobNaming.name(prefix: prefix, accountID: accountID, maxLength: maxLength)
        let isPlain = suffix == accountID
        entries[accountID] = Stored(hashedName: isPlain ? nil : name)
        if !isPlain { hashedByName[name, default: []].insert(accountID) }
        return Entry(name: name, isPlain: isPlain)
    }

    /// Whether the account's name is plain; nil when it has not been named yet.
    func isPlain(accountID: String) -> Bool? { entries[accountID].map { $0.hashedName == nil } }

    /// The remembered hash, if it was computed for this very key.
    public func hash(accountID: String, key: RenderKey) -> String? {
        guard let remembered = entries[accountID]?.remembered, remembered.key == key else { return nil }
        return remembered.hash.hex
    }

    /// Remembers the spec hash of the account's Job rendered for `key`. An account the planner
    /// has not named yet (it was never planned) is not remembered.
    public mutating func remember(_ hash: String, accountID: String, key: RenderKey) {
        guard entries[accountID] != nil else { return }
        // Not a SHA-256 in hex (cannot happen with `SpecHash`): nothing remembered, rendered next time.
        entries[accountID]?.remembered = SpecDigest(hex: hash).map { Remembered(key: key, hash: $0) }
    }

    /// Forgets accounts no longer in the table.
    public mutating func retain(where keep: (String) -> Bool) {
        entries = entries.filter { keep($0.key) }
        hashedByName = hashedByName.compactMapValues { ids in
            let kept = ids.filter(keep)
            return kept.isEmpty ? nil : kept
        }
    }
}

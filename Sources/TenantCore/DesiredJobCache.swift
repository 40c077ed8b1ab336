import Common
import Foundation

/// Remembers, per account, the name and spec hash its Job should have, keyed by everything a
/// render depends on besides the template (account generation, memory override, namespace,
/// instance). An idle pass over 10,000 accounts then renders and hashes nothing; only the
/// accounts that need a create or recreate are rendered in full. Manifests are not kept, so the
/// cache costs a few hundred bytes per account. One cache belongs to one template.
public final class DesiredJobCache: @unchecked Sendable {
    // @unchecked: `entries` is only touched while holding `lock`.
    struct Key: Equatable {
        var generation: Int64
        var memoryOverride: String?
        var namespace: String
        var instance: String
    }

    private let lock = NSLock()
    private var entries: [String: (key: Key, summary: DesiredJob)] = [:]

    /// When true, the planner leaves creates and recreates as summaries (manifest `.null`) and the
    /// caller renders each manifest just before sending it: a pass that finds 10,000 missing Jobs
    /// then does not hold 10,000 rendered manifests in its queue at once.
    public let defersManifests: Bool

    public init(defersManifests: Bool = false) {
        self.defersManifests = defersManifests
    }

    public var count: Int {
        lock.lock(); defer { lock.unlock() }
        return entries.count
    }

    /// The desired Job of `account`. On a hit its `manifest` is `.null` (see `isSummary`);
    /// call `template.render` for the manifest itself.
    func desired(for account: Account, template: JobTemplate, namespace: String, instance: String, memoryOverride: String?) throws(RenderError) -> DesiredJob {
        let key = Key(generation: account.generation, memoryOverride: memoryOverride, namespace: namespace, instance: instance)
        lock.lock()
        let hit = entries[account.id]
        lock.unlock()
        if let hit, hit.key == key { return hit.summary }
        let full = try template.render(account: account, namespace: namespace, instance: instance, memoryOverride: memoryOverride)
        var summary = full
        summary.manifest = .null
        lock.lock()
        entries[account.id] = (key, summary)
        lock.unlock()
        return full
    }

    /// Forgets accounts no longer in the table.
    public func retain(only accountIDs: Set<String>) {
        lock.lock(); defer { lock.unlock() }
        entries = entries.filter { accountIDs.contains($0.key) }
    }
}

extension DesiredJob {
    /// True for a cached summary that carries name and hash but no manifest.
    var isSummary: Bool { manifest == .null }
}

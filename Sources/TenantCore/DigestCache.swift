import FoundationEssentials

/// What the provisioner knows of each image tag's digest (`RESOLVE_IMAGE_DIGESTS`, issue 16):
/// resolved at most every `interval` seconds (`IMAGE_RESOLVE_INTERVAL`); a registry that fails
/// changes nothing: the last known digest stays (the same safety rule as a database outage), and
/// the tag is asked again after `retryAfterFailure` (at most `interval`). Pure: the clock is
/// `now`, the answers are handed in.
public struct DigestCache: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The last digest the registry gave; nil until the first answer.
        public var digest: String?
        /// When the registry was last asked, and whether it answered.
        public var checkedAt: Date?
        public var problem: String?
    }

    /// What one answer changed.
    public enum Update: Sendable, Equatable {
        /// The first digest known for the tag.
        case first(String)
        case unchanged
        /// The tag moved: tenants on `from` are to roll to `to`.
        case moved(from: String, to: String)
        /// No answer; `kept` is the digest still used (nil: none known, the tag is used as it is).
        case failed(kept: String?, problem: String)
    }

    public let interval: TimeInterval
    public let retryAfterFailure: TimeInterval
    public private(set) var entries: [String: Entry] = [:]

    public init(interval: TimeInterval, retryAfterFailure: TimeInterval = 30) {
        self.interval = interval
        self.retryAfterFailure = min(retryAfterFailure, interval)
    }

    /// Starts tracking `key` (`ImageReference.key`); nothing changes for a key already tracked.
    public mutating func want(_ key: String) {
        if entries[key] == nil { entries[key] = Entry() }
    }

    public func digest(for key: String) -> String? { entries[key]?.digest }

    /// Every known digest by image key: what pinning uses.
    public var table: [String: String] { entries.compactMapValues(\.digest) }

    /// The keys to ask the registry about at `now`, in key order: never asked, answered at least
    /// `interval` ago, or failed at least `retryAfterFailure` ago.
    public func due(now: Date) -> [String] {
        entries.filter { _, entry in
            guard let checked = entry.checkedAt else { return true }
            return now.timeIntervalSince(checked) >= (entry.problem == nil ? interval : retryAfterFailure)
        }.keys.sorted()
    }

    /// Records the registry's answer for `key`: a digest, or the problem that kept it from answering.
    @discardableResult
    public mutating func record(_ key: String, answer: Result<String, DigestProblem>, now: Date) -> Update {
        var entry = entries[key] ?? Entry()
        entry.checkedAt = now
        let update: Update
        switch answer {
        case .success(let digest):
            entry.problem = nil
            switch entry.digest {
            case nil: update = .first(digest)
            case digest?: update = .unchanged
            case let old?: update = .moved(from: old, to: digest)
            }
            entry.digest = digest
        case .failure(let problem):
            entry.problem = problem.description
            update = .failed(kept: entry.digest, problem: problem.description)
        }
        entries[key] = entry
        return update
    }

    /// Tags whose registry failed the last time it was asked.
    public var failing: Int { entries.values.filter { $0.problem != nil }.count }
    /// Tags with no digest known yet.
    public var unresolved: Int { entries.values.filter { $0.digest == nil }.count }
}

/// Why the registry gave no digest (already free of credentials: `RegistryError` says it).
public struct DigestProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

import FoundationEssentials
import Synchronization
import TenantCore

/// The provisioner's in-memory copy of `account_status`. The leader is the table's only writer,
/// and every write it makes goes through `ProvisionerStore`, which applies it here after the
/// commit; so a full pass reads 10,000 rows from memory instead of decoding them from the database.
///
/// Writes are ordered by a sequence number taken inside the transaction (transactions on the one
/// connection run one after the other), so a write whose commit is reported late never
/// overwrites a later one, nor a full load read after it. Anything uncertain (a failed write,
/// whose commit may or may not have happened) marks the mirror unloaded: the next read reloads.
final class StatusMirror: Sendable {
    private struct State {
        var rows: [String: AccountStatus] = [:]
        var loaded = false
        /// Sequence numbers handed to writes and loads, in transaction order.
        var sequence: UInt64 = 0
        /// The sequence of the load `rows` came from; writes older than it are in it already.
        var loadedAt: UInt64 = 0
        /// The sequence of the last write applied to each row since that load.
        var writtenAt: [String: UInt64] = [:]
        /// Loads read before this sequence may miss a write whose outcome is unknown: refused.
        var invalidatedAt: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Taken inside the transaction of a write or a full load, to order it against the others.
    func nextSequence() -> UInt64 {
        state.withLock { s in
            s.sequence += 1
            return s.sequence
        }
    }

    /// Every row, or nil when the mirror must be (re)loaded from the database first.
    func all() -> [String: AccountStatus]? {
        state.withLock { $0.loaded ? $0.rows : nil }
    }

    /// The rows of `ids`, or nil when the mirror must be (re)loaded first.
    func rows(ids: [String]) -> [String: AccountStatus]? {
        state.withLock { s in
            guard s.loaded else { return nil }
            var out: [String: AccountStatus] = [:]
            for id in ids { out[id] = s.rows[id] }
            return out
        }
    }

    /// Replaces everything with a full read of the table taken at `sequence`; rows written by
    /// transactions after that read keep their newer value.
    func load(_ rows: [String: AccountStatus], at sequence: UInt64) {
        state.withLock { s in
            guard sequence > s.invalidatedAt else { return }
            var merged = rows
            for (id, writtenAt) in s.writtenAt where writtenAt > sequence { merged[id] = s.rows[id] }
            s.rows = merged
            s.writtenAt = s.writtenAt.filter { $0.value > sequence }
            s.loadedAt = sequence
            s.loaded = true
        }
    }

    /// Applies rows a committed transaction wrote at `sequence` (also while unloaded: a load
    /// read before that transaction keeps them).
    func apply(_ rows: [AccountStatus], at sequence: UInt64) {
        state.withLock { s in
            guard sequence > s.loadedAt else { return }
            for row in rows where (s.writtenAt[row.accountID] ?? 0) < sequence {
                s.rows[row.accountID] = row
                s.writtenAt[row.accountID] = sequence
            }
        }
    }

    /// Forgets everything: the next read loads the table again. For a write that failed, whose
    /// commit may or may not have happened; loads read before now are refused.
    func invalidate() {
        state.withLock { s in
            s.invalidatedAt = s.sequence
            s.loaded = false
            s.rows = [:]
            s.writtenAt = [:]
        }
    }
}

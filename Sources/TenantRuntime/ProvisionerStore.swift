import Common
import FoundationEssentials
import Postgres
import SchemaMigrator
import TenantCore

/// The provisioner's reads and writes of PostgreSQL: accounts in, `account_status` and
/// `audit_log` out. Writes of one pass go in one transaction, as multi-row statements
/// (`unnest` of arrays), so a pass over 10,000 accounts stays a handful of round trips.
///
/// Keeps a mirror of `account_status` (`mirroredStatuses`): the leader is the table's only
/// writer, both of its write paths (`record` for passes, `update` for the workers) go through
/// here, and copies of a store share one mirror.
public struct ProvisionerStore: Sendable {
    public let connection: PostgresConnection
    /// `audit_log.actor`: the pod name of this replica.
    public let actor: String
    let mirror = StatusMirror()
    /// The name and uid strings of the Job called so, as the Job cache holds them: the mirror's
    /// rows take those instead of keeping their own copies (1.4 MB at 10,000 accounts,
    /// docs/benchmark.md). nil: rows keep what they were read or written with.
    let jobStrings: (@Sendable (String) -> (name: String, uid: String)?)?

    public init(connection: PostgresConnection, actor: String, jobStrings: (@Sendable (String) -> (name: String, uid: String)?)? = nil) {
        self.connection = connection
        self.actor = actor
        self.jobStrings = jobStrings
    }

    /// `status` with its Job name and uid shared with the cached Job's, when they are equal.
    private static func sharingJobStrings(_ status: AccountStatus, _ lookup: (String) -> (name: String, uid: String)?) -> AccountStatus {
        guard let name = status.jobName, let job = lookup(name), job.name == name else { return status }
        var shared = status
        shared.jobName = job.name
        if shared.jobUID == job.uid { shared.jobUID = job.uid }
        return shared
    }

    public func schemaVersion() async throws(PostgresError) -> Int? {
        try await SchemaMigrator.currentVersion(connection)
    }

    /// A digest of every account's (id, generation), computed by the server: the row count, the
    /// sum of the generations and the sum of the ids' `hashtext`. Any insert, delete or change
    /// (every change bumps the generation) changes it, short of a sum colliding exactly; an idle
    /// pass reads these three numbers instead of 10,000 rows, and every 10th pass reads the rows.
    public func accountsFingerprint() async throws(PostgresError) -> String {
        let rows = try await connection.query(
            "SELECT count(*)::text || '/' || coalesce(sum(generation), 0)::text || '/' || coalesce(sum(hashtext(account_id)), 0)::text FROM accounts")
        return try rows.first?.decode(0, as: String.self) ?? ""
    }

    /// (id, generation) of every account: what an idle pass needs to know nothing changed.
    public func accountGenerations() async throws(PostgresError) -> [String: Int64] {
        let rows = try await connection.query("SELECT account_id, generation FROM accounts")
        var out: [String: Int64] = [:]
        out.reserveCapacity(rows.count)
        for row in rows {
            out[try row.decode(0, as: String.self)] = try row.decode(1, as: Int64.self)
        }
        return out
    }

    /// Full rows of the given accounts (all of them when `ids` is nil).
    public func accounts(ids: [String]? = nil) async throws(PostgresError) -> [Account] {
        let columns = "account_id, is_active, display_name, config, generation"
        let rows: [PostgresRow]
        if let ids {
            guard !ids.isEmpty else { return [] }
            rows = try await connection.query("SELECT \(columns) FROM accounts WHERE account_id = ANY($1::text[])", [.textArray(ids)])
        } else {
            rows = try await connection.query("SELECT \(columns) FROM accounts")
        }
        var out: [Account] = []
        out.reserveCapacity(rows.count)
        for row in rows {
            out.append(Account(id: try row.decode(0), isActive: try row.decode(1), displayName: try row.decode(2),
                               config: try row.decode(3), generation: try row.decode(4)))
        }
        return out
    }

    static let statusColumns = """
        account_id, job_name, job_uid, phase, observed_generation, last_success_at, last_failure_at,
        consecutive_failures, next_restart_at, memory_override, memory_override_template, message, queued_for,
        image_digests
        """

    public func statuses(ids: [String]? = nil) async throws(PostgresError) -> [String: AccountStatus] {
        let rows: [PostgresRow]
        if let ids {
            rows = try await connection.query("SELECT \(Self.statusColumns) FROM account_status WHERE account_id = ANY($1::text[])", [.textArray(ids)])
        } else {
            rows = try await connection.query("SELECT \(Self.statusColumns) FROM account_status")
        }
        var out: [String: AccountStatus] = [:]
        out.reserveCapacity(rows.count)
        for row in rows {
            let status = try Self.status(from: row)
            out[status.accountID] = status
        }
        return out
    }

    /// Every `account_status` row from the mirror, read from the database first when the mirror
    /// is not loaded or `reload` is true (a full read also corrects edits made outside the provisioner).
    public func mirroredStatuses(reload: Bool = false) async throws(PostgresError) -> [String: AccountStatus] {
        if !reload, let rows = mirror.all() { return rows }
        return try await loadMirror()
    }

    /// The rows of `ids` from the mirror (loading it first if needed); absent ids have no row.
    public func mirroredStatuses(ids: [String]) async throws(PostgresError) -> [String: AccountStatus] {
        if let rows = mirror.rows(ids: ids) { return rows }
        let all = try await loadMirror()
        return all.filter { ids.contains($0.key) }
    }

    /// Makes the next mirrored read load the table again (a new leader term: another replica wrote meanwhile).
    public func invalidateStatusMirror() { mirror.invalidate() }

    private func loadMirror() async throws(PostgresError) -> [String: AccountStatus] {
        let mirror = self.mirror
        let jobStrings = self.jobStrings
        let loaded: (sequence: UInt64, rows: [String: AccountStatus])
        do {
            loaded = try await connection.transaction { db in
                let sequence = mirror.nextSequence()
                let rows = try db.query("SELECT \(Self.statusColumns) FROM account_status")
                var out: [String: AccountStatus] = [:]
                out.reserveCapacity(rows.count)
                for row in rows {
                    var status = try Self.status(from: row)
                    if let jobStrings { status = Self.sharingJobStrings(status, jobStrings) }
                    out[status.accountID] = status
                }
                return (sequence, out)
            }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(kind: .query, message: "reading account_status failed: \(error)")
        }
        mirror.load(loaded.rows, at: loaded.sequence)
        return loaded.rows
    }

    /// Writes new status rows and audit entries in one transaction.
    public func record(statuses: [AccountStatus], audit: [AuditEntry]) async throws {
        guard !statuses.isEmpty || !audit.isEmpty else { return }
        let actor = self.actor
        let mirror = self.mirror
        let sequence: UInt64
        do {
            sequence = try await connection.transaction { db in
                let sequence = mirror.nextSequence()
                if !statuses.isEmpty { try Self.upsert(statuses, on: db) }
                if !audit.isEmpty { try Self.insert(audit, actor: actor, on: db) }
                return sequence
            }
        } catch {
            // The commit may or may not have happened: read the table again next time.
            mirror.invalidate()
            throw error
        }
        if !statuses.isEmpty {
            let jobStrings = self.jobStrings
            mirror.apply(statuses.map { status in
                let stored = Self.asStored(status)
                return jobStrings.map { Self.sharingJobStrings(stored, $0) } ?? stored
            }, at: sequence)
        }
    }

    /// The row as reading it back would give it: PostgreSQL keeps microseconds.
    static func asStored(_ status: AccountStatus) -> AccountStatus {
        func micros(_ date: Date?) -> Date? { date.map { Timestamp.parse(Timestamp.rfc3339Micros($0)) ?? $0 } }
        var s = status
        s.lastSuccessAt = micros(s.lastSuccessAt)
        s.lastFailureAt = micros(s.lastFailureAt)
        s.nextRestartAt = micros(s.nextRestartAt)
        return s
    }

    static func status(from row: PostgresRow) throws(PostgresError) -> AccountStatus {
        let phaseText: String = try row.decode(3)
        return AccountStatus(
            accountID: try row.decode(0), jobName: try row.decode(1), jobUID: try row.decode(2),
            phase: JobPhase(rawValue: phaseText) ?? .pending, observedGeneration: try row.decode(4),
            lastSuccessAt: try row.decode(5), lastFailureAt: try row.decode(6),
            consecutiveFailures: try row.decode(7, as: Int.self), nextRestartAt: try row.decode(8),
            memoryOverride: try row.decode(9), memoryOverrideTemplate: try row.decode(10), message: try row.decode(11),
            queuedFor: try row.decode(12),
            // jsonb comes back spaced out; kept canonical, as written, so a reload compares equal.
            imageDigests: (try row.decode(13) as String?).map { ImagePins(annotation: $0)?.text ?? $0 })
    }

    static func upsert(_ statuses: [AccountStatus], on db: isolated PostgresConnection) throws(PostgresError) {
        try db.execute("""
            INSERT INTO account_status (\(statusColumns), updated_at)
            SELECT *, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[],
                                        $7::timestamptz[], $8::bigint[], $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::text[], $14::jsonb[])
            ON CONFLICT (account_id) DO UPDATE SET
                job_name = EXCLUDED.job_name, job_uid = EXCLUDED.job_uid, phase = EXCLUDED.phase,
                observed_generation = EXCLUDED.observed_generation, last_success_at = EXCLUDED.last_success_at,
                last_failure_at = EXCLUDED.last_failure_at, consecutive_failures = EXCLUDED.consecutive_failures,
                next_restart_at = EXCLUDED.next_restart_at, memory_override = EXCLUDED.memory_override,
                memory_override_template = EXCLUDED.memory_override_template, message = EXCLUDED.message,
                queued_for = EXCLUDED.queued_for, image_digests = EXCLUDED.image_digests, updated_at = now()
            """, [
                .textArray(statuses.map(\.accountID)), .textArray(statuses.map(\.jobName)), .textArray(statuses.map(\.jobUID)),
                .textArray(statuses.map(\.phase.rawValue)), .intArray(statuses.map(\.observedGeneration)),
                .timestampArray(statuses.map(\.lastSuccessAt)), .timestampArray(statuses.map(\.lastFailureAt)),
                .intArray(statuses.map { Int64($0.consecutiveFailures) }), .timestampArray(statuses.map(\.nextRestartAt)),
                .textArray(statuses.map(\.memoryOverride)), .textArray(statuses.map(\.memoryOverrideTemplate)), .textArray(statuses.map(\.message)),
                .textArray(statuses.map(\.queuedFor)), .textArray(statuses.map(\.imageDigests)),
            ])
    }

    static func insert(_ audit: [AuditEntry], actor: String, on db: isolated PostgresConnection) throws(PostgresError) {
        try db.execute("""
            INSERT INTO audit_log (actor, action, account_id, namespace, job_name, job_uid, reason, details)
            SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
            """, [
                .text(actor), .textArray(audit.map(\.action)), .textArray(audit.map(\.accountID)),
                .textArray(audit.map(\.namespace)), .textArray(audit.map(\.jobName)), .textArray(audit.map(\.jobUID)),
                .textArray(audit.map(\.reason)), .jsonbArray(audit.map(\.details)),
            ])
    }

    /// Changes one account's status row (read under a row lock, so a concurrent writer is not
    /// overwritten) and appends audit entries, in one transaction. `change` gets the current row
    /// (nil when there is none) and returns the new one, or nil to leave it unchanged.
    /// `restarted`: the failed Job a restart replaced, whose `job_failures` rows are marked restarted.
    public func update(accountID: String, audit: [AuditEntry], restarted: (jobUID: String, at: Date)? = nil,
                       _ change: @escaping @Sendable (AccountStatus?) -> AccountStatus?) async throws {
        let actor = self.actor
        let mirror = self.mirror
        let written: (sequence: UInt64, row: AccountStatus?)
        do {
            written = try await connection.transaction { db in
                let sequence = mirror.nextSequence()
                let current = try Self.lockedStatus(accountID, on: db)
                let updated = change(current)
                if let updated {
                    try Self.upsert([updated], on: db)
                }
                if !audit.isEmpty {
                    try Self.insert(audit, actor: actor, on: db)
                }
                if let restarted {
                    try FailureLog.markRestarted(jobUID: restarted.jobUID, at: restarted.at, on: db)
                }
                return (sequence, updated)
            }
        } catch {
            mirror.invalidate()
            throw error
        }
        if let row = written.row { mirror.apply([Self.asStored(row)], at: written.sequence) }
    }

    // MARK: failures

    /// Records a failed Job once, in one transaction: its `job_failures` rows, the account's status
    /// row (`decide` gets the current one and returns the verdict) and the audit row. Returns nil,
    /// writing nothing, when the Job's failure was recorded before (by any replica, any time).
    /// `cronJobRun`: the failed Job is a run of the account's CronJob; the row keeps naming the
    /// CronJob (`StatusChange.runFailed`).
    public func recordFailure(_ failure: JobFailure, accountID: String, now: Date, memoryBasis: String?, cronJobRun: Bool = false,
                              decide: @escaping @Sendable (AccountStatus?) -> FailureVerdict) async throws -> FailureVerdict? {
        let actor = self.actor
        let mirror = self.mirror
        let written: (sequence: UInt64, verdict: FailureVerdict, row: AccountStatus)?
        do {
            written = try await connection.transaction { db in
                let sequence = mirror.nextSequence()
                try FailureLog.lock(jobUID: failure.jobUID, on: db)
                guard try FailureLog.recorded(jobUID: failure.jobUID, on: db) == nil else { return nil }
                let current = try Self.lockedStatus(accountID, on: db)
                let verdict = decide(current)
                try FailureLog.insert(failure, verdict: verdict, now: now, on: db)
                let change = StatusChange.recorded(failure, verdict, now: now, memoryBasis: memoryBasis, cronJobRun: cronJobRun)
                let row = AccountStatus.applying(change, to: current, accountID: accountID)
                try Self.upsert([row], on: db)
                try Self.insert([verdict.audit(for: failure, now: now)], actor: actor, on: db)
                return (sequence, verdict, row)
            }
        } catch {
            mirror.invalidate()
            throw error
        }
        guard let written else { return nil }
        mirror.apply([Self.asStored(written.row)], at: written.sequence)
        return written.verdict
    }

    /// The recorded failure of Job `uid`, if any (attempt, restart time).
    public func recordedFailure(jobUID: String) async throws(PostgresError) -> (attempt: Int, restartAt: Date?)? {
        try FailureLog.recorded(from: await connection.query(FailureLog.recordedQuery, [.text(jobUID)]))
    }

    static func lockedStatus(_ accountID: String, on db: isolated PostgresConnection) throws(PostgresError) -> AccountStatus? {
        try db.query("SELECT \(statusColumns) FROM account_status WHERE account_id = $1 FOR UPDATE", [.text(accountID)]).first.map(status(from:))
    }
}

import FoundationEssentials
import Kube
import Postgres
import TenantCore

/// What the reconciler and the executor read and write in PostgreSQL: `ProvisionerStore` in the
/// product; an in-memory stand-in in the unit tests of both, which then run without a database.
public protocol TenantStore: Sendable {
    func schemaVersion() async throws(PostgresError) -> Int?
    /// (id, generation) of every account.
    func accountGenerations() async throws(PostgresError) -> [String: Int64]
    /// Changes whenever an account is added, removed or changed (`ProvisionerStore.accountsFingerprint`).
    func accountsFingerprint() async throws(PostgresError) -> String
    /// Full rows of the given accounts (all of them when `ids` is nil).
    func accounts(ids: [String]?) async throws(PostgresError) -> [Account]
    /// `account_status` by account: the store's mirror, or the table when `reload` or not loaded.
    func mirroredStatuses(reload: Bool) async throws(PostgresError) -> [String: AccountStatus]
    func mirroredStatuses(ids: [String]) async throws(PostgresError) -> [String: AccountStatus]
    /// The next mirrored read reads the table.
    func invalidateStatusMirror()
    /// The status rows and audit entries of one pass, in one transaction.
    func record(statuses: [AccountStatus], audit: [AuditEntry]) async throws
    /// One account's row changed under a row lock (`change`: current → new, nil leaves it), with
    /// audit entries and the restarted failure marked, in one transaction.
    func update(accountID: String, audit: [AuditEntry], restarted: (jobUID: String, at: Date)?,
                _ change: @escaping @Sendable (AccountStatus?) -> AccountStatus?) async throws
    /// A failed Job recorded once (nil: it was recorded before, nothing written).
    /// `cronJobRun`: a run of the account's CronJob (the row keeps naming the CronJob).
    func recordFailure(_ failure: JobFailure, accountID: String, now: Date, memoryBasis: String?, cronJobRun: Bool,
                       decide: @escaping @Sendable (AccountStatus?) -> FailureVerdict) async throws -> FailureVerdict?
    /// The recorded failure of Job `uid`, if any.
    func recordedFailure(jobUID: String) async throws(PostgresError) -> (attempt: Int, restartAt: Date?)?
}

extension TenantStore {
    public func account(id: String) async throws(PostgresError) -> Account? {
        try await accounts(ids: [id]).first
    }

    public func update(accountID: String, audit: [AuditEntry], _ change: @escaping @Sendable (AccountStatus?) -> AccountStatus?) async throws {
        try await update(accountID: accountID, audit: audit, restarted: nil, change)
    }
}

extension ProvisionerStore: TenantStore {}

/// The Jobs the reconciler plans with: the watch-fed `JobCache` in the product, a list a test
/// sets in the unit tests.
public protocol JobSource: Sendable {
    /// The first list has arrived: until then a pass plans nothing.
    var hasSynced: Bool { get }
    /// What changed since `revision` (nil: everything), and the revision now.
    func updates(since revision: UInt64?) -> (revision: UInt64, updates: JobCacheUpdates)
}

extension JobCache: JobSource {}

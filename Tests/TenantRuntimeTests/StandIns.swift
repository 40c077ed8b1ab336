import Common
import Foundation
import Kube
import Postgres
import Synchronization
import TenantCore
@testable import TenantRuntime

/// An in-memory `TenantStore`: what `ProvisionerStore` keeps in PostgreSQL, in dictionaries,
/// with a switch that makes every call fail as a lost connection does.
final class MemoryStore: TenantStore {
    struct State {
        var accounts: [String: Account] = [:]
        var statuses: [String: AccountStatus] = [:]
        var audit: [AuditEntry] = []
        var failures: [String: (attempt: Int, restartAt: Date?)] = [:]
        var schemaVersion: Int? = 1_000
        var isDown = false
        /// Reads work, writes fail (a commit that did not happen).
        var failWrites = false
        /// How often the (id, generation) rows were read.
        var generationReads = 0
    }

    let state = Mutex(State())

    init(accounts: [Account] = []) {
        state.withLock { s in for account in accounts { s.accounts[account.id] = account } }
    }

    var isDown: Bool {
        get { state.withLock { $0.isDown } }
        set { state.withLock { $0.isDown = newValue } }
    }
    var statuses: [String: AccountStatus] { state.withLock { $0.statuses } }
    var audit: [AuditEntry] { state.withLock { $0.audit } }
    var generationReads: Int { state.withLock { $0.generationReads } }
    var failWrites: Bool {
        get { state.withLock { $0.failWrites } }
        set { state.withLock { $0.failWrites = newValue } }
    }

    func setAccount(_ account: Account) { state.withLock { $0.accounts[account.id] = account } }

    private func available() throws(PostgresError) {
        if isDown { throw PostgresError(kind: .connection, message: "connection refused (the test stopped the database)") }
    }

    private func writable() throws(PostgresError) {
        try available()
        if failWrites { throw PostgresError(kind: .query, message: "could not write (the test fails writes)") }
    }

    func schemaVersion() async throws(PostgresError) -> Int? {
        try available()
        return state.withLock { $0.schemaVersion }
    }

    func accountGenerations() async throws(PostgresError) -> [String: Int64] {
        try available()
        return state.withLock { s in
            s.generationReads += 1
            return s.accounts.mapValues(\.generation)
        }
    }

    func accountsFingerprint() async throws(PostgresError) -> String {
        try available()
        return state.withLock { s in "\(s.accounts.count)/\(s.accounts.values.map(\.generation).reduce(0, +))/\(s.accounts.keys.sorted())" }
    }

    func accounts(ids: [String]?) async throws(PostgresError) -> [Account] {
        try available()
        return state.withLock { s in ids.map { $0.compactMap { s.accounts[$0] } } ?? Array(s.accounts.values) }
    }

    func mirroredStatuses(reload: Bool) async throws(PostgresError) -> [String: AccountStatus] {
        try available()
        return statuses
    }

    func mirroredStatuses(ids: [String]) async throws(PostgresError) -> [String: AccountStatus] {
        try available()
        return state.withLock { s in s.statuses.filter { ids.contains($0.key) } }
    }

    func invalidateStatusMirror() {}

    func record(statuses: [AccountStatus], audit: [AuditEntry]) async throws {
        try writable()
        state.withLock { s in
            for status in statuses { s.statuses[status.accountID] = status }
            s.audit += audit
        }
    }

    func update(accountID: String, audit: [AuditEntry], restarted: (jobUID: String, at: Date)?,
                _ change: @escaping @Sendable (AccountStatus?) -> AccountStatus?) async throws {
        try writable()
        state.withLock { s in
            if let updated = change(s.statuses[accountID]) { s.statuses[accountID] = updated }
            s.audit += audit
        }
    }

    func recordFailure(_ failure: JobFailure, accountID: String, now: Date, memoryBasis: String?, cronJobRun: Bool,
                       decide: @escaping @Sendable (AccountStatus?) -> FailureVerdict) async throws -> FailureVerdict? {
        try available()
        return state.withLock { s in
            guard s.failures[failure.jobUID] == nil else { return nil }
            let verdict = decide(s.statuses[accountID])
            s.failures[failure.jobUID] = (verdict.attempt, verdict.restartAt(now: now))
            let change = StatusChange.recorded(failure, verdict, now: now, memoryBasis: memoryBasis, cronJobRun: cronJobRun)
            s.statuses[accountID] = AccountStatus.applying(change, to: s.statuses[accountID], accountID: accountID)
            s.audit.append(verdict.audit(for: failure, now: now))
            return verdict
        }
    }

    func recordedFailure(jobUID: String) async throws(PostgresError) -> (attempt: Int, restartAt: Date?)? {
        try available()
        return state.withLock { $0.failures[jobUID] }
    }
}

/// The Jobs a test says the watch shows, as `JobCache` hands them to the reconciler: a reader
/// that saw an earlier revision gets only the names changed since.
final class ListedJobs: JobSource {
    private struct State {
        var revision: UInt64 = 1
        var jobs: [String: JobSummary] = [:]
        /// Revision at which each name last changed.
        var changedAt: [String: UInt64] = [:]
        /// The next `updates` hands out the whole list, as the cache does after a relist.
        var relisted = false
    }

    private let state = Mutex(State())

    var hasSynced: Bool { true }

    func set(_ jobs: [JobSummary]) {
        state.withLock { s in
            let new = Dictionary(jobs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            s.revision += 1
            for name in Set(new.keys).union(s.jobs.keys) where new[name] != s.jobs[name] { s.changedAt[name] = s.revision }
            s.jobs = new
        }
    }

    /// As after a watch expired (410) and the cache listed the Jobs again.
    func relist() { state.withLock { $0.relisted = true } }

    func updates(since revision: UInt64?) -> (revision: UInt64, updates: JobCacheUpdates) {
        state.withLock { s in
            guard let revision, !s.relisted else {
                s.relisted = false
                return (s.revision, .everything(s.jobs))
            }
            var changed: [String: JobSummary?] = [:]
            for (name, at) in s.changedAt where at > revision { changed[name] = .some(s.jobs[name]) }
            return (s.revision, .changed(changed))
        }
    }
}

/// Stands in for the API server behind a real `KubeClient`: every request is kept, and `answer`
/// gives the HTTP reply (status code and JSON body).
final class ScriptedAPI: KubeRequestPerformer {
    let requests = Mutex<[KubeRequest]>([])
    let answer: @Sendable (KubeRequest) -> (Int, JSONValue)

    init(answer: @escaping @Sendable (KubeRequest) -> (Int, JSONValue)) {
        self.answer = answer
    }

    func perform(_ request: KubeRequest) async throws(KubeError) -> KubeResponse {
        requests.withLock { $0.append(request) }
        let (code, body) = answer(request)
        return KubeResponse(statusCode: code, headers: [("Content-Type", "application/json")], body: Data(body.canonicalJSON.utf8))
    }

    /// Every request so far.
    var all: [KubeRequest] { requests.withLock { $0 } }

    /// "METHOD path" of every request so far.
    var sent: [String] { requests.withLock { $0.map { "\($0.method) \($0.path)" } } }

    func client() -> KubeClient {
        KubeClient(config: KubeConfig(server: "https://api.invalid", source: "test"), performer: self, retryPolicy: .none,
                   logger: Logger(label: "test", sink: .memory()))
    }

    /// A `Status` answer, as kube-apiserver writes one.
    static func status(_ code: Int, reason: String, message: String) -> (Int, JSONValue) {
        (code, ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(message),
                "reason": .string(reason), "code": .integer(Int64(code))])
    }

    /// The manifest a POST sent.
    static func body(_ request: KubeRequest) -> JSONValue? {
        request.body.flatMap { try? JSONValue.parse($0) }
    }
}

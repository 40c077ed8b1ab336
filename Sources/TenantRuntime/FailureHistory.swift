import Common
import FoundationEssentials
import Postgres
import TenantCore

/// The standalone restarter's failure history in PostgreSQL (when `DATABASE_URL` is set):
/// `job_failures` rows without an account and `audit_log` rows, each failure once (the same
/// per-uid lock and unique key as the provisioner's, so the two never record a Job twice).
public struct FailureHistory: Sendable {
    public let connection: PostgresConnection
    /// `audit_log.actor`: this replica's pod name.
    let actor: String

    public init(connection: PostgresConnection, actor: String) {
        self.connection = connection
        self.actor = actor
    }

    /// Records the failure with `verdict`. When the Job's failure was recorded before (by any
    /// replica), writes nothing and returns what was recorded then: its attempt and restart time.
    public func record(_ failure: JobFailure, verdict: FailureVerdict, now: Date) async throws -> (attempt: Int, restartAt: Date?)? {
        let actor = self.actor
        return try await connection.transaction { db in
            try FailureLog.lock(jobUID: failure.jobUID, on: db)
            if let recorded = try FailureLog.recorded(jobUID: failure.jobUID, on: db) { return recorded }
            try FailureLog.insert(failure, verdict: verdict, now: now, on: db)
            try ProvisionerStore.insert([verdict.audit(for: failure, now: now)], actor: actor, on: db)
            return nil
        }
    }

    /// One half of a restart done: its audit row; the create also marks the failed Job's rows restarted.
    public func restartStep(_ entry: AuditEntry, restarted: (jobUID: String, at: Date)?) async throws {
        let actor = self.actor
        try await connection.transaction { db in
            try ProvisionerStore.insert([entry], actor: actor, on: db)
            if let restarted { try FailureLog.markRestarted(jobUID: restarted.jobUID, at: restarted.at, on: db) }
        }
    }
}

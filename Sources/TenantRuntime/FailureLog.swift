import Common
import FoundationEssentials
import Postgres
import TenantCore

/// `job_failures`: one row per failed container of a failed Job, recorded once. "Once" rests on
/// the table (its unique index, and the Job uid looked up under a transaction-scoped advisory
/// lock), not on memory, so it holds across operator restarts, leader changes, relists, and a
/// provisioner and a restarter looking at the same Job.
enum FailureLog {
    /// The first key of the two-key advisory locks taken per Job uid (the second is its hash).
    static let lockClass: Int32 = 0x5446  // "TF"

    /// Serialises the recorders of one Job until the transaction ends.
    static func lock(jobUID: String, on db: isolated PostgresConnection) throws(PostgresError) {
        _ = try db.query("SELECT pg_advisory_xact_lock($1::int4, hashtext($2))", [.int(Int64(lockClass)), .text(jobUID)])
    }

    /// The Job's recorded failure, if any: its attempt number and restart time.
    static func recorded(jobUID: String, on db: isolated PostgresConnection) throws(PostgresError) -> (attempt: Int, restartAt: Date?)? {
        try recorded(from: db.query(recordedQuery, [.text(jobUID)]))
    }

    /// Also read outside a transaction (`ProvisionerStore.recordedFailure`).
    static let recordedQuery = "SELECT attempt, restart_at FROM job_failures WHERE job_uid = $1 ORDER BY id LIMIT 1"

    static func recorded(from rows: [PostgresRow]) throws(PostgresError) -> (attempt: Int, restartAt: Date?)? {
        guard let row = rows.first else { return nil }
        return (try row.decode(0, as: Int.self), try row.decode(1))
    }

    /// Inserts the failure's rows; a row already there (same Job, pod and container) is skipped.
    /// Returns how many were inserted.
    @discardableResult
    static func insert(_ failure: JobFailure, verdict: FailureVerdict, now: Date, on db: isolated PostgresConnection) throws(PostgresError) -> Int {
        let rows = failure.rows
        let restartAt = verdict.restartAt(now: now)
        return try db.execute("""
            INSERT INTO job_failures (account_id, namespace, job_name, job_uid, pod_name, container_name, exit_code, reason, message,
                                     log_tail, failed_at, restart_at, attempt)
            SELECT $1, $2, $3, $4, r.pod, r.container, r.exit_code::int, r.reason, r.message, r.log_tail, $5, $6, $7
            FROM unnest($8::text[], $9::text[], $10::bigint[], $11::text[], $12::text[], $13::text[])
                 AS r(pod, container, exit_code, reason, message, log_tail)
            ON CONFLICT (job_uid, coalesce(pod_name, ''), coalesce(container_name, '')) DO NOTHING
            """, [
                failure.accountID.map { .text($0) }, .text(failure.namespace), .text(failure.jobName), .text(failure.jobUID),
                .timestamp(failure.failedAt), restartAt.map { .timestamp($0) }, .int(Int64(verdict.attempt)),
                .textArray(rows.map(\.podName)), .textArray(rows.map(\.containerName)), .intArray(rows.map { $0.exitCode.map(Int64.init) }),
                .textArray(rows.map(\.reason)), .textArray(rows.map { $0.message.map(Self.text) }), .textArray(rows.map { $0.logTail.map(Self.text) }),
            ])
    }

    /// Marks every row of the failed Job as restarted (its successor was created at `at`).
    static func markRestarted(jobUID: String, at: Date, on db: isolated PostgresConnection) throws(PostgresError) {
        try db.execute("UPDATE job_failures SET restarted_at = $2 WHERE job_uid = $1 AND restarted_at IS NULL", [.text(jobUID), .timestamp(at)])
    }

    /// PostgreSQL text cannot hold NUL; a container's log can.
    static func text(_ value: String) -> String {
        value.contains("\0") ? value.replacing("\0", with: "\u{FFFD}") : value
    }
}

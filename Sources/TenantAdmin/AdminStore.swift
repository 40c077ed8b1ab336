import Common
import Foundation
import Postgres

/// Every admin read and write, as SQL on one connection. Each write is one transaction that
/// also appends its `audit_log` row (the caller's name as `actor`), so a change and its record
/// never part. Rows come back as JSON objects, the shape the API serves and the CLI prints.
public enum AdminStore {
    static let accountColumns = "account_id, display_name, is_active, config, generation, created_at, updated_at, last_sync_at"

    // MARK: accounts

    public static func listAccounts(_ db: isolated PostgresConnection, active: Bool?, page: PageRequest) throws(AdminError) -> Page<JSONValue> {
        var after: String?
        if case .afterAccount(let id)? = page.cursor { after = id }
        // Byte-wise order (COLLATE "C"): stable whatever the database's collation, and the
        // same order the cursor compares in.
        let rows = try run(db, """
            SELECT \(accountColumns) FROM accounts
            WHERE ($1::boolean IS NULL OR is_active = $1) AND ($2::text IS NULL OR account_id COLLATE "C" > $2)
            ORDER BY account_id COLLATE "C" LIMIT $3
            """, [active.map { .bool($0) }, after.map { .text($0) }, .int(Int64(page.limit + 1))])
        let items = try rows.prefix(page.limit).map(account)
        let next = rows.count > page.limit ? items.last?["account_id"]?.stringValue.map { PageCursor.afterAccount($0) } : nil
        return Page(items: items, nextCursor: next)
    }

    public static func account(_ db: isolated PostgresConnection, id: String) throws(AdminError) -> JSONValue {
        guard let row = try run(db, "SELECT \(accountColumns) FROM accounts WHERE account_id = $1", [.text(id)]).first else {
            throw .notFound("no account with the id \(JSONText.quote(id))")
        }
        return try account(row)
    }

    public static func create(_ db: isolated PostgresConnection, _ new: NewAccount, actor: String) throws(AdminError) -> JSONValue {
        do {
            return try db.transaction { db in
                let row = try db.query("""
                    INSERT INTO accounts (account_id, display_name, is_active, config) VALUES ($1, $2, $3, $4)
                    RETURNING \(accountColumns)
                    """, [.text(new.accountID), new.displayName.map { .text($0) }, .bool(new.isActive), .jsonb(new.config)])
                let created = try account(row[0])
                try audit(db, actor: actor, action: "account.create", accountID: new.accountID,
                          details: ["is_active": .bool(new.isActive), "generation": created["generation"] ?? .null])
                return created
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw .alreadyExists(new.accountID)
        } catch {
            throw mapped(error)
        }
    }

    /// Applies `changes`; with `expectedGeneration`, only if the row is still at it (412 else).
    public static func update(_ db: isolated PostgresConnection, id: String, _ changes: AccountChanges, expectedGeneration: Int64?,
                              actor: String) throws(AdminError) -> JSONValue {
        do {
            return try db.transaction { db in
                let setsName = changes.displayName != nil
                let rows = try db.query("""
                    UPDATE accounts SET
                        is_active = COALESCE($2, is_active),
                        display_name = CASE WHEN $3 THEN $4 ELSE display_name END,
                        config = COALESCE($5, config)
                    WHERE account_id = $1 AND ($6::bigint IS NULL OR generation = $6)
                    RETURNING \(accountColumns)
                    """, [.text(id), changes.isActive.map { .bool($0) }, .bool(setsName), changes.displayName.flatMap { $0 }.map { .text($0) },
                          changes.config.map { .jsonb($0) }, expectedGeneration.map { .int($0) }])
                guard let row = rows.first else { throw try missingOrStale(db, id: id) }
                let updated = try account(row)
                var details: [String: JSONValue] = ["fields": .array(changes.fieldNames.map { .string($0) }),
                                                    "generation": updated["generation"] ?? .null]
                // Values of config are not copied into the audit: config.env may hold credentials.
                if let active = changes.isActive { details["is_active"] = .bool(active) }
                try audit(db, actor: actor, action: "account.update", accountID: id, details: details)
                return updated
            }
        } catch {
            throw mapped(error)
        }
    }

    /// Deletes the account (the provisioner then deletes its Job); its status, failures and audit
    /// rows stay.
    public static func delete(_ db: isolated PostgresConnection, id: String, expectedGeneration: Int64?, actor: String) throws(AdminError) {
        do {
            try db.transaction { db in
                let rows = try db.query("DELETE FROM accounts WHERE account_id = $1 AND ($2::bigint IS NULL OR generation = $2) RETURNING generation",
                                        [.text(id), expectedGeneration.map { .int($0) }])
                guard let row = rows.first else { throw try missingOrStale(db, id: id) }
                try audit(db, actor: actor, action: "account.delete", accountID: id, details: ["generation": .integer(try row.decode(0))])
            }
        } catch {
            throw mapped(error)
        }
    }

    /// Deactivates every active account in one transaction; returns their ids.
    public static func deactivateAll(_ db: isolated PostgresConnection, actor: String) throws(AdminError) -> [String] {
        do {
            return try db.transaction { db in
                let ids: [String] = try db.query("UPDATE accounts SET is_active = false WHERE is_active RETURNING account_id").map { try $0.decode(0) }
                try audit(db, actor: actor, action: "account.deactivate_all", accountID: nil, details: ["count": .integer(Int64(ids.count))])
                return ids.sorted()
            }
        } catch {
            throw mapped(error)
        }
    }

    // MARK: what the provisioner wrote

    public static func status(_ db: isolated PostgresConnection, id: String) throws(AdminError) -> JSONValue {
        let rows = try run(db, """
            SELECT a.account_id, s.phase, s.job_name, s.job_uid, s.observed_generation, a.generation, s.last_success_at,
                   s.last_failure_at, s.consecutive_failures, s.next_restart_at, s.memory_override, s.message, s.updated_at,
                   s.image_digests::text
            FROM (SELECT $1::text AS account_id) k
            LEFT JOIN accounts a ON a.account_id = k.account_id
            LEFT JOIN account_status s ON s.account_id = k.account_id
            WHERE a.account_id IS NOT NULL OR s.account_id IS NOT NULL
            """, [.text(id)])
        guard let row = rows.first else { throw .notFound("no account with the id \(JSONText.quote(id))") }
        return try decoded {
            [
                "account_id": .string(id),
                // null: the provisioner has not seen the account yet.
                "phase": try text(row, 1),
                "job_name": try text(row, 2),
                "job_uid": try text(row, 3),
                "observed_generation": try integer(row, 4),
                "generation": try integer(row, 5),
                "last_success_at": try time(row, 6),
                "last_failure_at": try time(row, 7),
                "consecutive_failures": try integer(row, 8),
                "next_restart_at": try time(row, 9),
                "memory_override": try text(row, 10),
                "message": try text(row, 11),
                "updated_at": try time(row, 12),
                // RESOLVE_IMAGE_DIGESTS: the digest each image of the account's workload runs.
                "image_digests": try json(row, 13),
            ]
        }
    }

    public static func failures(_ db: isolated PostgresConnection, accountID: String, page: PageRequest) throws(AdminError) -> Page<JSONValue> {
        var before: Int64?
        if case .beforeID(let id)? = page.cursor { before = id }
        let rows = try run(db, """
            SELECT id, namespace, job_name, job_uid, pod_name, container_name, exit_code, reason, message, log_tail,
                   failed_at, restart_at, restarted_at, attempt
            FROM job_failures WHERE account_id = $1 AND ($2::bigint IS NULL OR id < $2)
            ORDER BY id DESC LIMIT $3
            """, [.text(accountID), before.map { .int($0) }, .int(Int64(page.limit + 1))])
        if rows.isEmpty, page.cursor == nil {
            let known = try run(db, "SELECT 1 FROM accounts WHERE account_id = $1 UNION ALL SELECT 1 FROM account_status WHERE account_id = $1",
                                [.text(accountID)])
            if known.isEmpty { throw .notFound("no account with the id \(JSONText.quote(accountID))") }
        }
        let items: [JSONValue] = try rows.prefix(page.limit).map { row throws(AdminError) in
            try decoded {
                [
                    "id": try integer(row, 0), "account_id": .string(accountID), "namespace": try text(row, 1),
                    "job_name": try text(row, 2), "job_uid": try text(row, 3), "pod_name": try text(row, 4),
                    "container_name": try text(row, 5), "exit_code": try integer(row, 6), "reason": try text(row, 7),
                    "message": try text(row, 8), "log_tail": try text(row, 9), "failed_at": try time(row, 10),
                    "restart_at": try time(row, 11), "restarted_at": try time(row, 12), "attempt": try integer(row, 13),
                ]
            }
        }
        return Page(items: items, nextCursor: nextByID(items, more: rows.count > page.limit))
    }

    public static func audit(_ db: isolated PostgresConnection, accountID: String?, action: String?, page: PageRequest) throws(AdminError) -> Page<JSONValue> {
        var before: Int64?
        if case .beforeID(let id)? = page.cursor { before = id }
        let rows = try run(db, """
            SELECT id, at, actor, action, account_id, namespace, job_name, job_uid, reason, details
            FROM audit_log
            WHERE ($1::text IS NULL OR account_id = $1) AND ($2::text IS NULL OR action = $2) AND ($3::bigint IS NULL OR id < $3)
            ORDER BY id DESC LIMIT $4
            """, [accountID.map { .text($0) }, action.map { .text($0) }, before.map { .int($0) }, .int(Int64(page.limit + 1))])
        let items: [JSONValue] = try rows.prefix(page.limit).map { row throws(AdminError) in
            try decoded {
                [
                    "id": try integer(row, 0), "at": try time(row, 1), "actor": try text(row, 2), "action": try text(row, 3),
                    "account_id": try text(row, 4), "namespace": try text(row, 5), "job_name": try text(row, 6),
                    "job_uid": try text(row, 7), "reason": try text(row, 8), "details": try row.decode(9, as: JSONValue.self),
                ]
            }
        }
        return Page(items: items, nextCursor: nextByID(items, more: rows.count > page.limit))
    }

    // MARK: helpers

    private static func audit(_ db: isolated PostgresConnection, actor: String, action: String, accountID: String?,
                              details: [String: JSONValue]) throws {
        try db.execute("INSERT INTO audit_log (actor, action, account_id, reason, details) VALUES ($1, $2, $3, $4, $5)",
                       [.text(actor), .text(action), accountID.map { .text($0) }, .text("admin API or CLI"), .jsonb(.object(details))])
    }

    /// After an UPDATE or DELETE that matched nothing: is the row missing, or at another generation?
    private static func missingOrStale(_ db: isolated PostgresConnection, id: String) throws -> AdminError {
        guard let row = try db.query("SELECT generation FROM accounts WHERE account_id = $1", [.text(id)]).first else {
            return .notFound("no account with the id \(JSONText.quote(id))")
        }
        return .stale(accountID: id, current: try row.decode(0))
    }

    private static func nextByID(_ items: [JSONValue], more: Bool) -> PageCursor? {
        guard more, let last = items.last?["id"]?.integerValue else { return nil }
        return .beforeID(last)
    }

    private static func account(_ row: PostgresRow) throws(AdminError) -> JSONValue {
        try decoded {
            [
                "account_id": .string(try row.decode(0)),
                "display_name": try text(row, 1),
                "is_active": .bool(try row.decode(2)),
                "config": try row.decode(3, as: JSONValue.self),
                "generation": try integer(row, 4),
                "created_at": try time(row, 5),
                "updated_at": try time(row, 6),
                "last_sync_at": try time(row, 7),
            ]
        }
    }

    private static func text(_ row: PostgresRow, _ i: Int) throws -> JSONValue {
        (try row.decode(i, as: String?.self)).map { .string($0) } ?? .null
    }

    private static func json(_ row: PostgresRow, _ i: Int) throws -> JSONValue {
        try (try row.decode(i, as: String?.self)).map { try JSONValue.parse(Data($0.utf8)) } ?? .null
    }

    private static func integer(_ row: PostgresRow, _ i: Int) throws -> JSONValue {
        (try row.decode(i, as: Int64?.self)).map { .integer($0) } ?? .null
    }

    private static func time(_ row: PostgresRow, _ i: Int) throws -> JSONValue {
        (try row.decode(i, as: Date?.self)).map { .string(Timestamp.rfc3339Millis($0)) } ?? .null
    }

    private static func run(_ db: isolated PostgresConnection, _ sql: String, _ parameters: [PostgresValue?]) throws(AdminError) -> [PostgresRow] {
        do {
            return try db.query(sql, parameters)
        } catch {
            throw AdminError.from(error)
        }
    }

    private static func decoded<T>(_ body: () throws -> T) throws(AdminError) -> T {
        do {
            return try body()
        } catch {
            throw mapped(error)
        }
    }

    private static func mapped(_ error: any Error) -> AdminError {
        if let admin = error as? AdminError { return admin }
        if let postgres = error as? PostgresError { return AdminError.from(postgres) }
        return .unavailable("\(error)")
    }
}

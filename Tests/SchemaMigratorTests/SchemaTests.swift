import Common
import Foundation
import Postgres
import SchemaMigrator
import TestSupport
import Testing

/// The behaviour the migrations give the tables (SPEC "Database"), on a migrated database.
@Suite struct SchemaTests {
    @Test func changingConfigBumpsGenerationAndNotifiesTheAccountId() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            try await db.execute("INSERT INTO accounts (account_id) VALUES ($1)", ["Tenant.One@example.com"])
            let recorder = NotificationRecorder(config: database.config, channel: "accounts_changed")
            defer { recorder.stop() }
            #expect(await recorder.ready())
            try await db.execute("UPDATE accounts SET config = $1 WHERE account_id = $2", [.jsonb(["env": ["A": "1"]]), "Tenant.One@example.com"])
            let row = try #require(try await db.query("SELECT generation FROM accounts").first)
            #expect(try row.decode("generation", as: Int64.self) == 2)
            #expect(await recorder.payloads(waitingFor: 1) == ["Tenant.One@example.com"])
        }
    }

    @Test func touchingOnlyLastSyncAtBumpsNothingAndNotifiesNothing() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            try await db.execute("INSERT INTO accounts (account_id) VALUES ('a'), ('marker')")
            let before = try #require(try await db.query("SELECT generation, updated_at FROM accounts WHERE account_id = 'a'").first)
            let recorder = NotificationRecorder(config: database.config, channel: "accounts_changed")
            defer { recorder.stop() }
            #expect(await recorder.ready())
            try await db.execute("UPDATE accounts SET last_sync_at = now() WHERE account_id = 'a'")
            // Notifications arrive in commit order: once the marker's is here, any for 'a' would be too.
            try await db.execute("UPDATE accounts SET display_name = 'm' WHERE account_id = 'marker'")
            #expect(await recorder.payloads(waitingFor: 1) == ["marker"])
            let after = try #require(try await db.query("SELECT generation, updated_at, last_sync_at FROM accounts WHERE account_id = 'a'").first)
            #expect(try after.decode("generation", as: Int64.self) == before.decode("generation", as: Int64.self))
            #expect(try after.decode("updated_at", as: Date.self) == before.decode("updated_at", as: Date.self))
            #expect(try after.decode("last_sync_at", as: Date?.self) != nil)
        }
    }

    @Test func columnAddedByAnAdminAlsoBumpsGeneration() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            try await db.execute("ALTER TABLE accounts ADD COLUMN api_token text")
            try await db.execute("INSERT INTO accounts (account_id) VALUES ('a')")
            try await db.execute("UPDATE accounts SET api_token = $1 WHERE account_id = 'a'", ["rotated"])
            let row = try #require(try await db.query("SELECT generation FROM accounts").first)
            #expect(try row.decode("generation", as: Int64.self) == 2)
        }
    }

    @Test func insertAndDeleteNotifyTheAccountId() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            let recorder = NotificationRecorder(config: database.config, channel: "accounts_changed")
            defer { recorder.stop() }
            #expect(await recorder.ready())
            try await db.execute("INSERT INTO accounts (account_id) VALUES ($1)", ["12345"])
            try await db.execute("DELETE FROM accounts WHERE account_id = $1", ["12345"])
            #expect(await recorder.payloads(waitingFor: 2) == ["12345", "12345"])
        }
    }

    @Test func accountIdMustBeNonEmptyAndAtMost253Characters() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            try await db.execute("INSERT INTO accounts (account_id) VALUES ($1)", [.text(String(repeating: "é", count: 253))])
            for bad in ["", String(repeating: "x", count: 254)] {
                await #expect { try await db.execute("INSERT INTO accounts (account_id) VALUES ($1)", [.text(bad)]) } throws: { error in
                    (error as? PostgresError)?.constraint == "accounts_account_id_length"
                }
            }
        }
    }

    @Test func configEnvMustMapStringsToStrings() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            try await db.execute("INSERT INTO accounts (account_id, config) VALUES ('ok', $1)", [.jsonb(["env": ["A": "1"], "other": 5])])
            await #expect { try await db.execute("INSERT INTO accounts (account_id, config) VALUES ('bad', $1)", [.jsonb(["env": ["A": 1]])]) } throws: { error in
                (error as? PostgresError)?.constraint == "accounts_config_env_is_string_map"
            }
        }
    }

    @Test func auditLogRejectsUpdateAndDelete() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            try await db.execute("INSERT INTO audit_log (actor, action, account_id, details) VALUES ($1, $2, $3, $4)",
                                 ["provisioner-0", "create", "a", .jsonb(["job": "tenant-a"])])
            await #expect { try await db.execute("UPDATE audit_log SET action = 'delete'") } throws: { error in
                (error as? PostgresError)?.message.contains("append-only") == true
            }
            await #expect { try await db.execute("DELETE FROM audit_log") } throws: { error in
                (error as? PostgresError)?.message.contains("append-only") == true
            }
            #expect(try await db.query("SELECT action FROM audit_log").map { try $0.decode("action", as: String.self) } == ["create"])
        }
    }

    @Test func jobFailureIsRecordedOncePerJobPodAndContainerEvenWithNulls() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            let insert = """
                INSERT INTO job_failures (namespace, job_name, job_uid, pod_name, container_name, reason, failed_at)
                VALUES ('ns', 'tenant-a', $1, $2, $3, 'DeadlineExceeded', now())
                ON CONFLICT (job_uid, coalesce(pod_name, ''), coalesce(container_name, '')) DO NOTHING
                """
            var inserted: [Int] = []
            for (uid, pod, container) in [("uid-1", nil, nil), ("uid-1", nil, nil), ("uid-1", "pod-1", "main"), ("uid-1", "pod-1", "main"),
                                          ("uid-1", "pod-1", nil), ("uid-2", nil, nil)] as [(String, String?, String?)] {
                inserted.append(try await db.execute(insert, [.text(uid), pod.map { .text($0) }, container.map { .text($0) }]))
            }
            #expect(inserted == [1, 0, 1, 0, 1, 1])
            await #expect { try await db.execute("INSERT INTO job_failures (namespace, job_name, job_uid, failed_at) VALUES ('ns', 'j', 'uid-1', now())") } throws: { error in
                (error as? PostgresError)?.isUniqueViolation == true
            }
        }
    }

    @Test func accountStatusPhaseMustBeAKnownValue() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            for phase in ["pending", "running", "succeeded", "failed", "restart_scheduled", "deleting", "inactive"] {
                try await db.execute("INSERT INTO account_status (account_id, phase) VALUES ($1, $2)", [.text("acct-\(phase)"), .text(phase)])
            }
            await #expect { try await db.execute("INSERT INTO account_status (account_id, phase) VALUES ('x', 'exploded')") } throws: { error in
                (error as? PostgresError)?.constraint == "account_status_phase_known"
            }
        }
    }

    @Test func accountStatusOutlivesTheAccount() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            try await db.execute("INSERT INTO accounts (account_id) VALUES ('gone')")
            try await db.execute("INSERT INTO account_status (account_id, phase) VALUES ('gone', 'running')")
            try await db.execute("DELETE FROM accounts WHERE account_id = 'gone'")
            try await db.execute("UPDATE account_status SET phase = 'deleting' WHERE account_id = 'gone'")
            #expect(try await db.query("SELECT 1 FROM account_status WHERE account_id = 'gone'").count == 1)
        }
    }

    @Test func currentVersionIsNilBeforeAndRequiredVersionAfterMigrating() async throws {
        try await TestDatabase.with { database in
            let db = database.connect()
            #expect(try await SchemaMigrator.currentVersion(db) == nil)
            try await SchemaMigrator(connection: db, files: try MigrationDirectory.load(packageMigrations)).migrate()
            #expect(try await SchemaMigrator.currentVersion(db) == SchemaMigrator.requiredVersion)
        }
    }

    @Test func configEnvKeysMustBeEnvironmentVariableNames() async throws {
        try await TestDatabase.with(migrated: true) { database in
            let db = database.connect()
            try await db.execute("INSERT INTO accounts (account_id, config) VALUES ('ok', $1)", [.jsonb(["env": ["A_1": "x", "my.var-2": "y", "_z": "z"]])])
            for bad in ["1BAD KEY", "with space", "a=b", "9"] {
                await #expect("config.env key \(bad)") {
                    try await db.execute("INSERT INTO accounts (account_id, config) VALUES ('bad', $1)", [.jsonb(["env": .object([bad: "v"])])])
                } throws: { error in
                    (error as? PostgresError)?.constraint == "accounts_config_env_names"
                }
            }
            try await db.execute("UPDATE accounts SET config = '{\"env\": {}}' WHERE account_id = 'ok'")
        }
    }

    /// The constraint is added NOT VALID: a row written before the upgrade does not block it.
    @Test func anExistingAccountWithABadEnvKeyDoesNotBlockTheUpgrade() async throws {
        try await TestDatabase.with { database in
            let db = database.connect()
            let files = try MigrationDirectory.load(packageMigrations)
            try await SchemaMigrator(connection: db, files: files.filter { $0.version <= 4 }).migrate()
            try await db.execute("INSERT INTO accounts (account_id, config) VALUES ('old', $1)", [.jsonb(["env": ["1BAD KEY": "v"]])])
            try await SchemaMigrator(connection: db, files: files).migrate()
            #expect(try await SchemaMigrator.currentVersion(db) == SchemaMigrator.requiredVersion)
            await #expect { try await db.execute("UPDATE accounts SET display_name = 'still bad' WHERE account_id = 'old'") } throws: { error in
                (error as? PostgresError)?.constraint == "accounts_config_env_names"
            }
        }
    }
}

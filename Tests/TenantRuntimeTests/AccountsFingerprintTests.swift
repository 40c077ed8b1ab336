import Foundation
import Postgres
import Testing
import TestSupport
@testable import TenantRuntime

/// `ProvisionerStore.accountsFingerprint` against a real PostgreSQL: every kind of change to
/// `accounts` changes it, and nothing else does.
@Suite struct AccountsFingerprintTests {
    @Test func everyInsertDeleteAndChangeOfAnAccountChangesIt() async throws {
        try await TestDatabase.with(migrated: true) { db in
            let store = ProvisionerStore(connection: db.connect(), actor: "test")
            let admin = db.connect()
            var seen: [String] = [try await store.accountsFingerprint()]
            func expectNew(_ what: Comment) async throws {
                let now = try await store.accountsFingerprint()
                #expect(!seen.contains(now), what)
                seen.append(now)
            }
            _ = try await admin.execute("INSERT INTO accounts (account_id) VALUES ('a'), ('b')")
            try await expectNew("insert")
            _ = try await admin.execute("UPDATE accounts SET display_name = 'A' WHERE account_id = 'a'")
            try await expectNew("change of a column (the generation moves)")
            _ = try await admin.execute("UPDATE accounts SET is_active = false WHERE account_id = 'b'")
            try await expectNew("deactivation")
            // A delete and an insert of another id with the same generation keep count and sum.
            _ = try await admin.execute("DELETE FROM accounts WHERE account_id = 'b'")
            _ = try await admin.execute("INSERT INTO accounts (account_id, is_active, generation) VALUES ('c', false, 2)")
            try await expectNew("one id replaced by another")
            // What does not change the Job: the same fingerprint.
            let before = try await store.accountsFingerprint()
            _ = try await admin.execute("UPDATE accounts SET last_sync_at = now() WHERE account_id = 'a'")
            #expect(try await store.accountsFingerprint() == before)
            await store.connection.close()
            await admin.close()
        }
    }
}

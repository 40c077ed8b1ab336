import Postgres
import TestSupport

/// A fresh database and a connection to it for the test's own SQL; both gone afterwards.
func withDatabase(migrated: Bool = true, _ body: (TestDatabase, PostgresConnection) async throws -> Void) async throws {
    try await TestDatabase.with(migrated: migrated) { database in
        let db = database.connect()
        do {
            try await body(database, db)
        } catch {
            await db.close()
            throw error
        }
        await db.close()
    }
}

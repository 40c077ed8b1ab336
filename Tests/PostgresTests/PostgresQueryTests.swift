import Common
import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct PostgresQueryTests {
    @Test func parametersWithQuotesUnicodeAndNullRoundTrip() async throws {
        try await TestDatabase.with { database in
            let db = database.connect()
            try await db.execute("CREATE TABLE t (id int, name text, note text)")
            let tricky = "O'Brien\"; DROP TABLE t; -- ünïcødé 🎉 \\ $1"
            try await db.execute("INSERT INTO t VALUES ($1, $2, $3)", [1, .text(tricky), nil])
            let rows = try await db.query("SELECT name, note FROM t WHERE name = $1", [.text(tricky)])
            #expect(rows.count == 1)
            #expect(try rows[0].decode("name", as: String.self) == tricky)
            #expect(try rows[0].decode("note", as: String?.self) == nil)
        }
    }

    @Test func typedValuesDecode() async throws {
        try await TestDatabase.with { database in
            let when = Date(timeIntervalSince1970: 1_700_000_000.123456)
            let rows = try await database.connect().query(
                "SELECT $1::bigint AS n, $2::boolean AS b, $3::timestamptz AS at, $4::jsonb AS doc, NULL::text AS missing, 2.5::float8 AS x",
                [.int(42), .bool(true), .timestamp(when), .jsonb(["env": ["A": "1"], "n": 3])])
            let row = try #require(rows.first)
            #expect(try row.decode("n", as: Int64.self) == 42)
            #expect(try row.decode("b", as: Bool.self) == true)
            #expect(abs(try row.decode("at", as: Date.self).timeIntervalSince(when)) < 0.000_01)
            #expect(try row.decode("doc", as: JSONValue.self) == ["env": ["A": "1"], "n": 3])
            #expect(try row.decode("doc", as: String.self) == #"{"n": 3, "env": {"A": "1"}}"#)
            #expect(try row.decode("missing", as: String?.self) == nil)
            #expect(try row.decode("x", as: Double.self) == 2.5)
        }
    }

    @Test func nullIntoNonOptionalIsADecodingError() async throws {
        try await TestDatabase.with { database in
            let row = try #require(try await database.connect().query("SELECT NULL::text AS missing").first)
            #expect(throws: PostgresError.self) { try row.decode("missing", as: String.self) }
        }
    }

    @Test func largeJSONBRoundTrips() async throws {
        try await TestDatabase.with { database in
            let db = database.connect()
            let big = String(repeating: "x", count: 1_048_576)
            let document: JSONValue = ["blob": .string(big), "quote": "it's \"quoted\""]
            try await db.execute("CREATE TABLE docs (doc jsonb NOT NULL)")
            try await db.execute("INSERT INTO docs VALUES ($1)", [.jsonb(document)])
            let row = try #require(try await db.query("SELECT doc, octet_length(doc::text) AS size FROM docs").first)
            #expect(try row.decode("doc", as: JSONValue.self) == document)
            #expect(try row.decode("size", as: Int.self) > 1_048_576)
        }
    }

    @Test func sqlErrorCarriesSQLStateAndPosition() async throws {
        try await TestDatabase.with { database in
            let db = database.connect()
            do {
                _ = try await db.query("SELECT 1 FROM no_such_table")
                Issue.record("the query should fail")
            } catch let error as PostgresError {
                #expect(error.kind == .query)
                #expect(error.sqlState == "42P01")
                #expect(error.position == 15)
                #expect(error.message.contains("no_such_table"))
            }
            // The session is still usable after a query error.
            #expect(try await db.query("SELECT 1 AS one").count == 1)
        }
    }

    @Test func uniqueViolationIsRecognisable() async throws {
        try await TestDatabase.with { database in
            let db = database.connect()
            try await db.execute("CREATE TABLE k (id text PRIMARY KEY)")
            try await db.execute("INSERT INTO k VALUES ($1)", ["a"])
            await #expect { try await db.execute("INSERT INTO k VALUES ($1)", ["a"]) } throws: { error in
                (error as? PostgresError)?.isUniqueViolation == true && (error as? PostgresError)?.constraint == "k_pkey"
            }
        }
    }

    @Test func transactionRollsBackWhenTheBodyThrows() async throws {
        struct Abort: Error {}
        try await TestDatabase.with { database in
            let db = database.connect()
            try await db.execute("CREATE TABLE t (id int)")
            await #expect(throws: Abort.self) {
                try await db.transaction { db in
                    try db.execute("INSERT INTO t VALUES (1)")
                    throw Abort()
                }
            }
            #expect(try await db.query("SELECT * FROM t").isEmpty)
        }
    }

    @Test func transactionCommitsWhenTheBodyReturns() async throws {
        try await TestDatabase.with { database in
            let db = database.connect()
            try await db.execute("CREATE TABLE t (id int)")
            let inserted = try await db.transaction { db in
                try db.execute("INSERT INTO t VALUES (1), (2)")
            }
            #expect(inserted == 2)
            #expect(try await database.connect().query("SELECT * FROM t").count == 2)
        }
    }

    @Test func connectionLostInsideATransactionFailsTheRestAndTheNextCallReconnects() async throws {
        try await TestDatabase.with { database in
            let db = database.connect()
            try await db.execute("CREATE TABLE t (id int)")
            await #expect {
                try await db.transaction { db in
                    try db.execute("INSERT INTO t VALUES (1)")
                    _ = try? db.query("SELECT pg_terminate_backend(pg_backend_pid())")
                    try db.execute("INSERT INTO t VALUES (2)")
                }
            } throws: { ($0 as? PostgresError)?.kind == .connection }
            #expect(try await db.query("SELECT id FROM t").isEmpty)
        }
    }

    @Test func nestedTransactionRollsBackOnlyItsOwnWork() async throws {
        struct Abort: Error {}
        try await TestDatabase.with { database in
            let db = database.connect()
            try await db.execute("CREATE TABLE t (id int)")
            try await db.transaction { db in
                try db.execute("INSERT INTO t VALUES (1)")
                _ = try? db.transaction { db in
                    try db.execute("INSERT INTO t VALUES (2)")
                    throw Abort()
                }
            }
            #expect(try await db.query("SELECT id FROM t").map { try $0.decode("id", as: Int.self) } == [1])
        }
    }

    @Test func tenThousandRowsUpsertInOneStatementWithUnnest() async throws {
        try await TestDatabase.with { database in
            let db = database.connect()
            try await db.execute("CREATE TABLE s (id text PRIMARY KEY, n bigint, at timestamptz, doc jsonb)")
            let ids = (0..<10_000).map { "account-\($0)" }
            let started = Date()
            for round in 0..<2 {
                try await db.execute("""
                    INSERT INTO s (id, n, at, doc) SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::jsonb[])
                    ON CONFLICT (id) DO UPDATE SET n = excluded.n, at = excluded.at, doc = excluded.doc
                    """, [.textArray(ids), .intArray(ids.indices.map { Int64($0 + round) }),
                          .timestampArray(ids.map { _ in Date() }), .jsonbArray(ids.map { ["id": .string($0)] })])
            }
            let elapsed = Date().timeIntervalSince(started)
            let row = try #require(try await db.query("SELECT count(*) AS c, sum(n) AS total FROM s").first)
            #expect(try row.decode("c", as: Int.self) == 10_000)
            #expect(try row.decode("total", as: Int64.self) == (0..<10_000).reduce(0) { $0 + Int64($1) + 1 })
            #expect(elapsed < 10, "two upserts of 10,000 rows took \(elapsed) s")
        }
    }

    @Test func nulCharacterInParameterIsRejectedBeforeSending() async throws {
        try await TestDatabase.with { database in
            await #expect(throws: PostgresError.self) {
                _ = try await database.connect().query("SELECT $1::text", [.text("a\u{0}b")])
            }
        }
    }
}

import Common
import Foundation
import Postgres
import TestSupport
import Testing

/// The `tenants` CLI as a child process against a real, migrated PostgreSQL database.
@Suite struct TenantsCLITests {
    struct CLI {
        let database: TestDatabase

        func run(_ arguments: [String], databaseURL: String? = nil) async throws -> (code: Int32, stdout: String, stderr: String) {
            try await ChildProcess.run(BuildProducts.path("tenants"), arguments,
                                       environment: ["DATABASE_URL": databaseURL ?? database.url, "USER": "tester"], timeout: 30)
        }

        func json(_ arguments: [String]) async throws -> JSONValue {
            let result = try await run(arguments + ["--json"])
            #expect(result.code == 0, "\(arguments): \(result.stderr)")
            return try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
        }
    }

    static func with(_ body: (CLI, PostgresConnection) async throws -> Void) async throws {
        try await withDatabase { database, db in try await body(CLI(database: database), db) }
    }

    @Test func addListShowActivateDeactivateDelete() async throws {
        try await Self.with { cli, db in
            let added = try await cli.run(["add", "alice@example.com", "--display-name", "Alice", "--env", "PLAN=gold", "--env", "REGION=eu"])
            #expect(added.code == 0, "\(added.stderr)")
            #expect(added.stdout.contains("added alice@example.com"))
            #expect(try await cli.run(["add", "bob", "--inactive"]).code == 0)

            let table = try await cli.run(["list"])
            #expect(table.code == 0)
            let lines = table.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("ACCOUNT") == true && lines.count == 3)
            #expect(lines[1].hasPrefix("alice@example.com") && lines[2].hasPrefix("bob"))

            let listed = try await cli.json(["list", "--active"])
            #expect(listed.arrayValue?.map { $0["account_id"] } == ["alice@example.com"])
            #expect(listed.arrayValue?.first?["config"]?["env"] == ["PLAN": "gold", "REGION": "eu"])

            let shown = try await cli.json(["show", "alice@example.com"])
            #expect(shown["account"]?["display_name"] == "Alice" && shown["status"]?["phase"] == .null)
            #expect(try await cli.run(["show", "alice@example.com"]).stdout.contains("display name"))

            #expect(try await cli.json(["activate", "bob"])["is_active"] == true)
            #expect(try await cli.json(["deactivate", "alice@example.com"])["is_active"] == false)
            #expect(try await cli.run(["delete", "bob"]).code == 0)
            #expect(try await cli.json(["list"]).arrayValue?.count == 1)

            let actors: [String] = try await db.query("SELECT DISTINCT actor FROM audit_log").map { try $0.decode(0) }
            #expect(actors == ["cli:tester"])
            let audit = try await cli.json(["audit", "--account", "bob"])
            #expect(audit.arrayValue?.map { $0["action"] } == ["account.delete", "account.update", "account.create"])
        }
    }

    @Test func failuresAreListedNewestFirst() async throws {
        try await Self.with { cli, db in
            #expect(try await cli.run(["add", "acme"]).code == 0)
            for i in 1...3 {
                try await db.execute("""
                    INSERT INTO job_failures (account_id, namespace, job_name, job_uid, pod_name, container_name, exit_code, reason, failed_at, attempt)
                    VALUES ('acme', 'default', 'worker-acme', $1, 'pod', 'worker', 137, 'OOMKilled', now(), $2)
                    """, [.text("uid-\(i)"), .int(Int64(i))])
            }
            let failures = try await cli.json(["failures", "acme", "--limit", "2"])
            #expect(failures.arrayValue?.map { $0["attempt"] } == [3, 2])
            let table = try await cli.run(["failures", "acme"])
            #expect(table.stdout.contains("OOMKilled") && table.stdout.split(separator: "\n").count == 4)
        }
    }

    @Test func deactivateAllNeedsConfirm() async throws {
        try await Self.with { cli, db in
            for id in ["a", "b", "c"] { #expect(try await cli.run(["add", id]).code == 0) }
            let refused = try await cli.run(["deactivate", "--all"])
            #expect(refused.code == 2 && refused.stderr.contains("--confirm") && refused.stderr.contains("(3)"), "\(refused.stderr)")
            let stillActive: Int = try await db.query("SELECT count(*)::int FROM accounts WHERE is_active")[0].decode(0)
            #expect(stillActive == 3, "nothing changed without --confirm")
            let done = try await cli.run(["deactivate", "--all", "--confirm"])
            #expect(done.code == 0 && done.stdout.contains("deactivated 3 accounts"))
            let active: Int = try await db.query("SELECT count(*)::int FROM accounts WHERE is_active")[0].decode(0)
            #expect(active == 0)
            #expect(try await cli.json(["audit", "--action", "account.deactivate_all"]).arrayValue?.first?["details"]?["count"] == 3)
        }
    }

    @Test func exitCodesAreTwoForBadInputAndOneForRuntimeFailures() async throws {
        try await Self.with { cli, _ in
            #expect(try await cli.run(["add", "dup"]).code == 0)
            let duplicate = try await cli.run(["add", "dup"])
            #expect(duplicate.code == 1 && duplicate.stderr.contains("already exists"))
            let missing = try await cli.run(["show", "ghost"])
            #expect(missing.code == 1 && missing.stderr.contains("no account"))
            let badEnv = try await cli.run(["add", "x", "--env", "1BAD=v"])
            #expect(badEnv.code == 2 && badEnv.stderr.contains("config.env.1BAD"))
            #expect(try await cli.run(["add", ""]).code == 2)
            #expect(try await cli.run(["list", "--active", "--inactive"]).code == 2)
            #expect(try await cli.run(["frobnicate"]).code == 2)
            #expect(try await cli.run(["deactivate"]).code == 2)
            let noDatabase = try await cli.run(["list"], databaseURL: "postgresql://nobody:secret-pw@127.0.0.1:1/none?connect_timeout=2")
            #expect(noDatabase.code == 1 && noDatabase.stderr.contains("unavailable") && !noDatabase.stderr.contains("secret-pw"),
                    "\(noDatabase.stderr)")
            #expect(try await cli.run(["list"], databaseURL: "postgresql://[bad").code == 2)
            #expect(try await cli.run(["--help"]).code == 0)
        }
    }
}

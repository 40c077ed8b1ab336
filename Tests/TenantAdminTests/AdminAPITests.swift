import Common
import Foundation
import Postgres
import TestSupport
import Testing

/// `tenants serve` as a child process against a real, migrated PostgreSQL database.
@Suite struct AdminAPITests {
    static func with(overrides: [String: String] = [:], migrated: Bool = true,
                     _ body: (AdminServerProcess, PostgresConnection) async throws -> Void) async throws {
        try await withDatabase(migrated: migrated) { database, db in
            let server = try await AdminServerProcess.start(databaseURL: database.url, overrides: overrides)
            do {
                try await body(server, db)
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }

    static func auditActions(_ db: PostgresConnection, account: String) async throws -> [(actor: String, action: String)] {
        try await db.query("SELECT actor, action FROM audit_log WHERE account_id = $1 ORDER BY id", [.text(account)]).map {
            (try $0.decode(0), try $0.decode(1))
        }
    }

    // MARK: auth

    @Test func withoutATokenOrWithAWrongOneIs401AndAReadOnlyTokenCannotWrite() async throws {
        try await Self.with { server, _ in
            let none = try await server.request("GET", "/accounts", token: nil)
            #expect(none.status == 401)
            #expect(none.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(try await server.request("GET", "/accounts", token: "not-the-token-at-all").status == 401)
            #expect(try await server.request("GET", "/accounts", token: AdminServerProcess.writeToken + "x").status == 401)
            #expect(try await server.request("GET", "/accounts", token: AdminServerProcess.readToken).status == 200)
            let write = try await server.request("POST", "/accounts", body: ["account_id": "ro"], token: AdminServerProcess.readToken)
            #expect(write.status == 403)
            #expect(try await server.request("GET", "/accounts/ro").status == 404, "nothing was written")
            // Health, metrics and the document need no token.
            for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
                #expect(try await server.request("GET", path, token: nil).status == 200, "\(path)")
            }
            #expect(!server.log.contains(AdminServerProcess.writeToken) && !server.log.contains(AdminServerProcess.readToken))
        }
    }

    @Test func aTokenFileIsReadAgainWhenItChanges() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("admin-token-\(UUID().uuidString)").path
        try "first-token-0123456789\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await Self.with(overrides: ["ADMIN_TOKEN": "", "ADMIN_TOKEN_FILE": file]) { server, _ in
            #expect(try await server.request("GET", "/accounts", token: "first-token-0123456789").status == 200)
            // Same length, written at once: a new file (as a Secret volume swaps one in) is noticed.
            try "second-token-abcdefghi\n".write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await server.request("GET", "/accounts", token: "first-token-0123456789").status == 401)
            #expect(try await server.request("GET", "/accounts", token: "second-token-abcdefghi").status == 200)
        }
    }

    // MARK: accounts

    @Test func createReadPatchDeleteWithTheCallerInTheAuditLog() async throws {
        try await Self.with { server, db in
            let created = try await server.request("POST", "/accounts", body: [
                "account_id": "acme", "display_name": "Acme", "config": ["env": ["PLAN": "gold"]]])
            #expect(created.status == 201, "\(created.text)")
            #expect(created.header("ETag") == "\"1\"")
            #expect(created.header("Location") == "/accounts/acme")
            #expect(created.json["is_active"] == true && created.json["config"]?["env"]?["PLAN"] == "gold")

            let read = try await server.request("GET", "/accounts/acme")
            #expect(read.status == 200 && read.json["display_name"] == "Acme" && read.header("ETag") == "\"1\"")

            let patched = try await server.request("PATCH", "/accounts/acme", body: ["is_active": false, "display_name": nil],
                                                   headers: ["If-Match": "\"1\""])
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.json["is_active"] == false && patched.json["display_name"] == .null)
            #expect(patched.header("ETag") == "\"2\"", "the generation moved on")

            let stale = try await server.request("PATCH", "/accounts/acme", body: ["is_active": true], headers: ["If-Match": "\"1\""])
            #expect(stale.status == 412)
            #expect(stale.header("ETag") == "\"2\"")

            #expect(try await server.request("DELETE", "/accounts/acme", headers: ["If-Match": "\"1\""]).status == 412)
            #expect(try await server.request("DELETE", "/accounts/acme", headers: ["If-Match": "\"2\""]).status == 204)
            #expect(try await server.request("GET", "/accounts/acme").status == 404)
            #expect(try await server.request("DELETE", "/accounts/acme").status == 404)

            let audit = try await Self.auditActions(db, account: "acme")
            #expect(audit.map(\.action) == ["account.create", "account.update", "account.delete"])
            #expect(audit.allSatisfy { $0.actor == "ops-alice" })
        }
    }

    @Test func errorsAreJSONWithTheRightStatus() async throws {
        try await Self.with { server, db in
            #expect(try await server.request("POST", "/accounts", body: ["account_id": "dup"]).status == 201)
            let duplicate = try await server.request("POST", "/accounts", body: ["account_id": "dup"])
            #expect(duplicate.status == 409 && duplicate.json["error"]?.stringValue?.contains("already exists") == true)

            let invalid = try await server.request("POST", "/accounts", body: [
                "account_id": "", "config": ["env": ["BAD KEY": "x", "N": 1]], "colour": "red"])
            #expect(invalid.status == 422)
            #expect(invalid.json["fields"]?["account_id"] != nil)
            #expect(invalid.json["fields"]?["config.env.BAD KEY"] != nil)
            #expect(invalid.json["fields"]?["config.env.N"] != nil)
            #expect(invalid.json["fields"]?["colour"] != nil)

            #expect(try await server.request("POST", "/accounts", rawBody: Data("{not json".utf8)).status == 400)
            let huge = try await server.request("POST", "/accounts", body: ["account_id": "big", "display_name": .string(String(repeating: "x", count: 70_000))])
            #expect(huge.status == 413 && huge.json["error"] != nil, "\(huge.status) \(huge.text)")
            #expect(try await server.request("PATCH", "/accounts/dup", body: [:]).status == 422)
            #expect(try await server.request("PATCH", "/accounts/dup", body: ["is_active": false], headers: ["If-Match": "soon"]).status == 422)
            #expect(try await server.request("PATCH", "/accounts/ghost", body: ["is_active": false]).status == 404)
            #expect(try await server.request("GET", "/accounts?limit=0").status == 422)
            // A NUL in a filter is the request's fault (422), not the database's (it was a 503).
            let nul = try await server.request("GET", "/audit?action=a%00b")
            #expect(nul.status == 422)
            #expect(nul.json["fields"]?["action"] == "must not contain a NUL character")
            #expect(try await server.request("GET", "/accounts?cursor=bogus").status == 422)
            #expect(try await server.request("GET", "/accounts?active=maybe").status == 422)
            // Nothing of the refused requests reached the table.
            let count: Int = try await db.query("SELECT count(*)::int FROM accounts")[0].decode(0)
            #expect(count == 1)
        }
    }

    @Test(arguments: ["team/alpha", "alice@example.com", "Mixed Case Name", "客户-42", "100%", "a+b=c?d#e"])
    func idsWithSlashesAtSignsSpacesAndUnicodeWorkURLEncoded(id: String) async throws {
        try await Self.with { server, _ in
            #expect(try await server.request("POST", "/accounts", body: ["account_id": .string(id)]).status == 201)
            let path = "/accounts/" + AdminServerProcess.segment(id)
            let read = try await server.request("GET", path)
            #expect(read.status == 200 && read.json["account_id"] == .string(id), "\(read.text)")
            #expect(try await server.request("PATCH", path, body: ["display_name": "x"]).status == 200)
            #expect(try await server.request("GET", path + "/status").json["account_id"] == .string(id))
            #expect(try await server.request("GET", path + "/failures").status == 200)
            #expect(try await server.request("DELETE", path).status == 204)
        }
    }

    @Test func concurrentPatchesWithTheSameIfMatchLetExactlyOneThrough() async throws {
        try await Self.with { server, _ in
            #expect(try await server.request("POST", "/accounts", body: ["account_id": "race"]).status == 201)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        try await server.request("PATCH", "/accounts/race", body: ["display_name": .string("writer \(i)")],
                                                 headers: ["If-Match": "\"1\""]).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == 412 }.count == 7, "\(statuses)")
            #expect(try await server.request("GET", "/accounts/race").json["generation"] == 2)
        }
    }

    @Test func pagingVisitsEveryAccountOnceWhileRowsAreInserted() async throws {
        try await Self.with { server, db in
            let original = (0..<25).map { String(format: "acct-%02d", $0) }
            for id in original { try await db.execute("INSERT INTO accounts (account_id) VALUES ($1)", [.text(id)]) }
            var seen: [String] = []
            var cursor: String?
            var inserted = 0
            repeat {
                let path = "/accounts?limit=10" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await server.request("GET", path)
                #expect(page.status == 200)
                seen += page.json["items"]?.arrayValue?.compactMap { $0["account_id"]?.stringValue } ?? []
                cursor = page.json["next_cursor"]?.stringValue
                // Rows arrive between pages, before and after the cursor.
                try await db.execute("INSERT INTO accounts (account_id) VALUES ($1), ($2)", [.text("aaa-\(inserted)"), .text("zzz-\(inserted)")])
                inserted += 1
            } while cursor != nil
            #expect(Set(original).isSubset(of: Set(seen)), "every account that existed throughout is listed")
            #expect(seen.count == Set(seen).count, "no account twice")
            #expect(seen == seen.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }, "in byte order")
            let active = try await server.request("GET", "/accounts?active=false")
            #expect(active.json["items"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func statusFailuresAndAuditArePagedNewestFirst() async throws {
        try await Self.with { server, db in
            #expect(try await server.request("POST", "/accounts", body: ["account_id": "acme"]).status == 201)
            let fresh = try await server.request("GET", "/accounts/acme/status")
            #expect(fresh.status == 200 && fresh.json["phase"] == .null, "not seen by the provisioner yet")
            try await db.execute("""
                INSERT INTO account_status (account_id, job_name, phase, observed_generation, consecutive_failures, message, image_digests)
                VALUES ('acme', 'worker-acme', 'failed', 1, 2, 'exit 1', $1::jsonb)
                """, [.text("{\"docker.io/library/worker:1.4\": \"sha256:\(String(repeating: "a", count: 64))\"}")])
            let status = try await server.request("GET", "/accounts/acme/status")
            #expect(status.json["phase"] == "failed" && status.json["job_name"] == "worker-acme" && status.json["consecutive_failures"] == 2)
            #expect(status.json["image_digests"] == ["docker.io/library/worker:1.4": .string("sha256:" + String(repeating: "a", count: 64))])
            #expect(fresh.json["image_digests"] == .null)

            for i in 1...5 {
                try await db.execute("""
                    INSERT INTO job_failures (account_id, namespace, job_name, job_uid, pod_name, container_name, exit_code, reason, failed_at, attempt)
                    VALUES ('acme', 'default', 'worker-acme', $1, 'pod', 'worker', 1, 'Error', now(), $2)
                    """, [.text("uid-\(i)"), .int(Int64(i))])
            }
            let first = try await server.request("GET", "/accounts/acme/failures?limit=3")
            #expect(first.json["items"]?.arrayValue?.map { $0["attempt"] } == [5, 4, 3])
            let cursor = try #require(first.json["next_cursor"]?.stringValue)
            let second = try await server.request("GET", "/accounts/acme/failures?limit=3&cursor=\(cursor)")
            #expect(second.json["items"]?.arrayValue?.map { $0["attempt"] } == [2, 1])
            #expect(second.json["next_cursor"] == .null)
            #expect(try await server.request("GET", "/accounts/ghost/failures").status == 404)
            #expect(try await server.request("GET", "/accounts/ghost/status").status == 404)

            #expect(try await server.request("PATCH", "/accounts/acme", body: ["is_active": false]).status == 200)
            let audit = try await server.request("GET", "/audit?account_id=acme&limit=1")
            #expect(audit.json["items"]?.arrayValue?.first?["action"] == "account.update")
            let olderCursor = try #require(audit.json["next_cursor"]?.stringValue)
            let older = try await server.request("GET", "/audit?account_id=acme&limit=1&cursor=\(olderCursor)")
            #expect(older.json["items"]?.arrayValue?.first?["action"] == "account.create")
            let creates = try await server.request("GET", "/audit?action=account.create")
            #expect(creates.json["items"]?.arrayValue?.count == 1 && creates.json["items"]?.arrayValue?.first?["actor"] == "ops-alice")
        }
    }

    // MARK: operations

    @Test func readinessNeedsTheSchemaAndMetricsCountRequests() async throws {
        try await Self.with(migrated: false) { server, _ in
            let ready = try await server.request("GET", "/readyz", token: nil)
            #expect(ready.status == 503 && ready.json["problem"]?.stringValue?.contains("migrate up") == true)
            #expect(try await server.request("GET", "/accounts").status == 503, "no schema: the database answers with an error")
        }
        try await Self.with { server, _ in
            #expect(try await server.request("GET", "/readyz", token: nil).status == 200)
            _ = try await server.request("GET", "/accounts/nobody")
            let metrics = try await server.request("GET", "/metrics", token: nil).text
            #expect(metrics.contains(#"tenant_admin_requests_total{code="404",method="GET",route="/accounts/{id}"} 1"#), "\(metrics)")
        }
    }

    @Test func theServedDocumentIsTheCommittedOne() async throws {
        try await Self.with { server, _ in
            let served = try await server.request("GET", "/openapi.json", token: nil)
            let committed = try String(contentsOf: BuildProducts.packageRoot.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
            #expect(served.json != .null, "the document is JSON")
            #expect(served.json == (try JSONDecoder().decode(JSONValue.self, from: Data(committed.utf8))),
                    "docs/openapi.json differs from the served document: run `tenants openapi > docs/openapi.json`")
            #expect(served.json["openapi"] == "3.1.0")
        }
    }

    @Test(arguments: [
        (["ADMIN_TOKEN": ""], "ADMIN_TOKEN"),
        (["ADMIN_TOKEN": "short"], "ADMIN_TOKEN"),
        (["ADMIN_TOKEN_FILE": "/tmp/x"], "ADMIN_TOKEN_FILE"),
        (["ADMIN_PORT": "http"], "ADMIN_PORT"),
        (["ADMIN_READONLY_TOKEN": AdminServerProcess.writeToken], "ADMIN_READONLY_TOKEN"),
        (["DATABASE_URL": "postgresql://u:secret-pw@[bad"], "DATABASE_URL"),
    ] as [([String: String], String)])
    func badConfigurationExits2NamingTheVariableAndNoSecret(overrides: [String: String], variable: String) async throws {
        var env = ["DATABASE_URL": "postgresql://127.0.0.1:1/none", "ADMIN_TOKEN": AdminServerProcess.writeToken,
                   "ADMIN_PORT": String(try FreePort.pick())]
        for (key, value) in overrides { env[key] = value.isEmpty ? nil : value }
        let result = try await ChildProcess.run(BuildProducts.path("tenants"), ["serve"], environment: env, timeout: 30)
        #expect(result.code == 2, "\(result.stderr)")
        #expect(result.stderr.contains(variable), "\(result.stderr)")
        #expect(!result.stderr.contains(AdminServerProcess.writeToken) && !result.stderr.contains("secret-pw"))
    }
}

/// deploy/examples/admin-role.sql grants the admin API exactly enough.
@Suite struct AdminRoleTests {
    @Test func theDocumentedGrantsAreEnoughForEveryEndpoint() async throws {
        let role = "tenant_admin_\(UInt32.random(in: 0...UInt32.max))"
        let password = "pw-\(UInt64.random(in: 0...UInt64.max))"
        let script = try String(contentsOf: BuildProducts.packageRoot.appendingPathComponent("deploy/examples/admin-role.sql"), encoding: .utf8)
            .replacingOccurrences(of: "tenant_admin", with: role).replacingOccurrences(of: "CHANGE-ME", with: password)
        try await withDatabase { database, db in
            // Roles belong to the server, not the database: dropped however the test ends.
            func dropRole() async {
                _ = try? await db.execute("DROP OWNED BY \(role)")
                _ = try? await db.execute("DROP ROLE IF EXISTS \(role)")
            }
            do {
                try await db.executeScript(script)
                // database.url is a key=value string: a later user= wins in libpq.
                let server = try await AdminServerProcess.start(databaseURL: database.url + " user='\(role)' password='\(password)'")
                do {
                    try await Self.exerciseEveryEndpoint(server)
                } catch {
                    await server.stop()
                    throw error
                }
                await server.stop()
                // And no more: it cannot rewrite what the provisioner records.
                let canUpdate: Bool = try await db.query("SELECT has_table_privilege($1, 'account_status', 'UPDATE')", [.text(role)])[0].decode(0)
                #expect(!canUpdate)
            } catch {
                await dropRole()
                throw error
            }
            await dropRole()
        }
    }

    static func exerciseEveryEndpoint(_ server: AdminServerProcess) async throws {
        #expect(try await server.request("GET", "/readyz", token: nil).status == 200)
        #expect(try await server.request("POST", "/accounts", body: ["account_id": "acme"]).status == 201)
        #expect(try await server.request("PATCH", "/accounts/acme", body: ["is_active": false]).status == 200)
        #expect(try await server.request("GET", "/accounts").status == 200)
        #expect(try await server.request("GET", "/accounts/acme/status").status == 200)
        #expect(try await server.request("GET", "/accounts/acme/failures").status == 200)
        #expect(try await server.request("GET", "/audit").status == 200)
        #expect(try await server.request("DELETE", "/accounts/acme").status == 204)
    }
}

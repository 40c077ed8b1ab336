import Common
import Foundation
import TestSupport
import Testing

/// Issue 13's end-to-end path: an account created through the admin API gets its Job from a
/// running provisioner; deactivated through the API, the Job goes; the whole trail is readable
/// through the API. The admin side holds no cluster credentials at all.
@Suite struct AdminEndToEndTests {
    @Test func anAccountManagedThroughTheAPIGetsAndLosesItsJob() async throws {
        try await ProvisionerFixture.with { f in
            let server = try await AdminServerProcess.start(databaseURL: f.database.url)
            do {
                let p = try f.start()
                let created = try await server.request("POST", "/accounts", body: ["account_id": "Acme Corp", "display_name": "Acme"])
                #expect(created.status == 201)
                let jobName = "worker-acme-corp-" + String(SHA256.hex("Acme Corp").prefix(8))
                try await eventually("the Job of the account created through the API", log: p.logTail) {
                    try await f.liveJobNames().contains(jobName)
                }
                let status = try await server.request("GET", "/accounts/Acme%20Corp/status")
                #expect(status.json["job_name"] == .string(jobName))

                let etag = try #require(created.header("ETag"))
                let deactivated = try await server.request("PATCH", "/accounts/Acme%20Corp", body: ["is_active": false], headers: ["If-Match": etag])
                #expect(deactivated.status == 200)
                try await eventually("the Job deleted after the API deactivated the account", log: p.logTail) {
                    try await !f.jobNames().contains(jobName)
                }
                try await eventually("the provisioner's delete in the audit log", log: p.logTail) {
                    let audit = try await server.request("GET", "/audit?account_id=Acme%20Corp")
                    return audit.json["items"]?.arrayValue?.contains { $0["action"] == "delete" } == true
                }
                let trail = try await server.request("GET", "/audit?account_id=Acme%20Corp").json["items"]?.arrayValue ?? []
                let actions = trail.reversed().compactMap { $0["action"]?.stringValue }
                #expect(actions.first == "account.create" && actions.contains("create") && actions.contains("account.update")
                        && actions.last == "delete", "\(actions)")
                #expect(trail.contains { $0["actor"] == "ops-alice" } && trail.contains { $0["actor"] == "provisioner-test" })
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }
}

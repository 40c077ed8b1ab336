import Common
import Foundation
import Postgres
import TestSupport
import Testing

/// SPEC "Common configuration": /metrics in the Prometheus text format with passes, pass
/// duration, Jobs created/deleted/recreated/restarted, failures by reason, API requests by verb
/// and code, DB errors and leader state.
@Suite struct MetricsEndpointTests {
    @Test func metricsCountWhatHappenedInEverySeriesTheSpecNames() async throws {
        try await ProvisionerFixture.with { f in
            for id in ["a", "b", "c"] { try await f.insertAccount(id) }
            let p = try f.start()
            try await eventually("three Jobs", log: p.logTail) { try await f.jobNames().count == 3 }
            try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'b'")
            try await f.execute(#"UPDATE accounts SET config = '{"env": {"X": "1"}}' WHERE account_id = 'c'"#)
            try await f.emulator.finishJob(name: "worker-a", outcome: ["result": "fail", "exitCode": 1, "reason": "Error"])
            try await eventually("a delete, a recreate and a failure counted", log: p.logTail) {
                let deleted = await p.metric("tenant_provisioner_jobs_deleted_total")
                let recreated = await p.metric("tenant_provisioner_jobs_recreated_total")
                let failures = await p.metric(#"tenant_provisioner_job_failures_total{reason="Error"}"#)
                return deleted == 1 && recreated == 1 && failures == 1
            }

            let (status, body) = try #require(await p.get("/metrics"))
            #expect(status == 200)
            for family in ["passes_total", "pass_duration_seconds", "jobs_created_total", "jobs_deleted_total", "jobs_recreated_total",
                           "jobs_restarted_total", "job_failures_total", "api_requests_total", "db_errors_total", "leader",
                           "restarts_waiting", "restart_duration_seconds"] {
                #expect(body.contains("# TYPE tenant_provisioner_\(family) "), "no \(family) family")
            }
            #expect(await p.metric("tenant_provisioner_jobs_created_total") == 3, "the create half of a recreate is not a create")
            #expect(await p.metric("tenant_provisioner_jobs_restarted_total") == 0)
            #expect(await p.metric("tenant_provisioner_db_errors_total") == 0)
            #expect(await p.metric("tenant_provisioner_leader") == 1)
            #expect(await p.metric(#"tenant_provisioner_passes_total{kind="full",result="success"}"#) ?? 0 >= 1)
            #expect(await p.metric("tenant_provisioner_pass_duration_seconds") != nil)
            // Five successful creates (three accounts, the recreate, the Event on the failed Job) and
            // two deletes reached the server.
            #expect(await p.metric(#"tenant_provisioner_api_requests_total{code="201",verb="create"}"#) == 5)
            #expect(await p.metric(#"tenant_provisioner_api_requests_total{code="200",verb="delete"}"#) ?? 0 >= 2)
            #expect(await p.metric(#"tenant_provisioner_api_requests_total{code="200",verb="list"}"#) ?? 0 >= 1)
        }
    }
}

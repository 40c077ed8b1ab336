import Common
import Foundation
import TestSupport
import Testing

/// SPEC "Reconcile": API errors are retried with backoff, 429 and Retry-After honoured, a lost
/// watch relists; the cluster converges anyway.
@Suite struct APIFaultTests {
    @Test func itConvergesThrough500s429sAndACutWatch() async throws {
        try await ProvisionerFixture.with { f in
            for id in ["a", "b", "c"] { try await f.insertAccount(id) }
            try await f.emulator.injectFault(pathPrefix: "/apis/batch/v1/namespaces/default/jobs", method: "POST", count: 4, status: 500)
            let provisioner = try f.start()
            try await eventually("three Jobs despite the 500s", timeout: 20, log: provisioner.logTail) {
                try await f.jobNames() == ["worker-a", "worker-b", "worker-c"]
            }
            #expect(try await f.jobRequestsExceptWatch().filter { $0.verb == "create" && $0.code == 500 }.count == 4)

            try await f.emulator.injectFault(pathPrefix: "/apis/batch/v1/namespaces/default/jobs", method: "POST", count: 1, status: 429, retryAfter: 1)
            try await f.insertAccount("d")
            try await eventually("the fourth Job despite a 429", timeout: 20, log: provisioner.logTail) { try await f.jobNames().contains("worker-d") }
            let creates = try await f.jobRequestsExceptWatch().filter { $0.verb == "create" }
            let throttled = try #require(creates.first { $0.code == 429 })
            let retried = try #require(creates.first { $0.code == 201 && $0.t > throttled.t })
            #expect(retried.t - throttled.t >= 0.9, "Retry-After: 1 was not honoured (retried after \(retried.t - throttled.t) s)")

            let listsBefore = try await f.emulator.requests().count("list", "jobs")
            try await f.emulator.cutWatches(midLine: true)
            try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'a'")
            try await f.insertAccount("e")
            try await eventually("converged after the cut watch", timeout: 20, log: provisioner.logTail) {
                try await f.jobNames() == ["worker-b", "worker-c", "worker-d", "worker-e"]
            }
            try await eventually("the cache relisted", log: provisioner.logTail) {
                try await f.emulator.requests().count("list", "jobs") > listsBefore
            }
            // One Job per account: every create that succeeded made a Job that still exists or was deleted on purpose.
            let created = try await f.jobRequestsExceptWatch().filter { $0.verb == "create" && $0.code == 201 }
            #expect(created.count == 5)
        }
    }
}

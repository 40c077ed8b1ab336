import Common
import Foundation
import TestSupport
import Testing

/// SPEC "Reconcile": managed Jobs come from the watch-fed cache, so an idle pass costs the API
/// server nothing.
@Suite struct IdlePassTests {
    @Test func idlePassesSendNoRequestToTheAPIServer() async throws {
        try await ProvisionerFixture.with { f in
            for id in ["a", "b", "c"] { try await f.insertAccount(id) }
            let provisioner = try f.start([], ["POLL_INTERVAL": "0.5"])
            try await eventually("three running accounts", log: provisioner.logTail) {
                try await f.query("SELECT 1 FROM account_status WHERE phase = 'running'").count == 3
            }
            try await f.emulator.resetRequests()
            let series = #"tenant_provisioner_passes_total{kind="full",result="success"}"#
            let before = await provisioner.metric(series) ?? 0
            try await eventually("four more passes", log: provisioner.logTail) { await provisioner.metric(series) ?? 0 >= before + 4 }

            let requests = try await f.emulator.requests().log.filter { $0.verb != "watch" }
            #expect(requests.isEmpty, "\(requests.map { "\($0.method) \($0.path)" })")
        }
    }
}

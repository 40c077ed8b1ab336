import Common
import Foundation
import Kube
import Postgres
import TestSupport
import Testing

/// SPEC "Reconcile": a Job that completed successfully is left as it is and
/// `account_status.last_success_at` records it; `RERUN_AFTER_SUCCESS` recreates it that long
/// after completion; a completed Job that disappears is not recreated before that.
@Suite struct CompletedJobTests {
    @Test func aCompletedJobIsLeftAloneAndItsSuccessRecordedOnce() async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.setDefaultOutcome(["result": "succeed", "afterSeconds": 0.3])
            try await f.insertAccount("done")
            let provisioner = try f.start([], ["POLL_INTERVAL": "1"])
            try await eventually("success recorded", log: provisioner.logTail) { try await f.status("done")?.phase == "succeeded" }
            let uid = try await f.job("worker-done")?["metadata"]?["uid"]?.stringValue
            let rows = try await f.query("SELECT last_success_at IS NOT NULL, consecutive_failures FROM account_status WHERE account_id = 'done'")
            #expect(try rows.first?.decode(0, as: Bool.self) == true)
            #expect(try rows.first?.decode(1, as: Int.self) == 0)
            try await f.emulator.resetRequests()
            // Several passes later: the same Job, no create or delete, one success audit row.
            let passes = #"tenant_provisioner_passes_total{kind="full",result="success"}"#
            let before = await provisioner.metric(passes) ?? 0
            try await eventually("three more passes", log: provisioner.logTail) { await provisioner.metric(passes) ?? 0 >= before + 3 }
            #expect(try await f.job("worker-done")?["metadata"]?["uid"]?.stringValue == uid)
            let actions = try await f.jobRequestsExceptWatch().filter { $0.verb == "create" || $0.verb == "delete" }
            #expect(actions.isEmpty, "\(actions.map { "\($0.method) \($0.path)" })")
            #expect(try await f.audit(action: "success").count == 1)

            // Deleted by hand (as a TTL would): not recreated, RERUN_AFTER_SUCCESS is unset.
            _ = try await f.kubeClient().delete(.jobs, namespace: "default", name: "worker-done", propagation: .background)
            let after = await provisioner.metric(passes) ?? 0
            try await eventually("three passes after the deletion", log: provisioner.logTail) { await provisioner.metric(passes) ?? 0 >= after + 3 }
            #expect(try await f.jobNames().isEmpty)
        }
    }

    @Test func rerunAfterSuccessRecreatesTheJobThatLongAfterCompletion() async throws {
        try await ProvisionerFixture.with { f in
            try await f.emulator.setDefaultOutcome(["result": "succeed", "afterSeconds": 0.2])
            try await f.insertAccount("again")
            let provisioner = try f.start([], ["POLL_INTERVAL": "1", "RERUN_AFTER_SUCCESS": "3"])
            try await eventually("success recorded", log: provisioner.logTail) { try await f.status("again")?.phase == "succeeded" }
            let firstUID = try await f.job("worker-again")?["metadata"]?["uid"]?.stringValue
            let completed = Date()
            try await eventually("a new Job after RERUN_AFTER_SUCCESS", timeout: 15, log: provisioner.logTail) {
                guard let uid = try await f.job("worker-again")?["metadata"]?["uid"]?.stringValue else { return false }
                return uid != firstUID
            }
            #expect(Date().timeIntervalSince(completed) >= 2, "recreated \(Date().timeIntervalSince(completed)) s after completion, before RERUN_AFTER_SUCCESS=3")
        }
    }
}

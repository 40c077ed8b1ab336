import Common
import Foundation
import Testing
@testable import TenantCore

@Suite struct PlanNameHoldersTests {
    @Test func aCreateWhoseNameAnUnmanagedJobHoldsBecomesAConflict() {
        var world = PlannerWorld()
        world.accounts = [PlannerWorld.account("acme"), PlannerWorld.account("beta")]
        let plan = world.plan()
        #expect(plan.summary.creates == 2)
        let foreign = ObservedJob(name: "tenant-acme", uid: "u1", labels: ["app": "hand-made"])
        let managed = PlannerWorld.job(for: PlannerWorld.account("beta"))
        let reported = plan.reportingNameHolders([foreign, managed], instance: "default")
        #expect(reported.summary.creates == 1)
        #expect(reported.summary.conflicts == 1)
        guard case .reportConflict(let id, let name, let message)? = reported.actions.first(where: { $0.verb == "conflict" }) else {
            Issue.record("no conflict in \(reported.actions)")
            return
        }
        #expect(id == "acme" && name == "tenant-acme")
        #expect(message.contains("not managed by this provisioner"))
    }

    @Test func withoutUnmanagedJobsThePlanIsUnchanged() {
        var world = PlannerWorld()
        world.accounts = [PlannerWorld.account("acme")]
        let plan = world.plan()
        #expect(plan.reportingNameHolders([], instance: "default") == plan)
    }
}

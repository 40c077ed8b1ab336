import Foundation
import Testing
@testable import TenantRuntime

@Suite struct IntervalBudgetTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func budgetIsSharedWithinTheWindowAndRefillsAfterIt() {
        var budget = IntervalBudget(limit: 3, window: 30)
        #expect(budget.remaining(now: t0) == 3)
        budget.spend(2, now: t0)
        #expect(budget.remaining(now: t0.addingTimeInterval(10)) == 1)
        budget.spend(now: t0.addingTimeInterval(10))
        #expect(budget.remaining(now: t0.addingTimeInterval(29)) == 0)
        #expect(budget.remaining(now: t0.addingTimeInterval(30)) == 2)
        #expect(budget.remaining(now: t0.addingTimeInterval(40)) == 3)
    }

    @Test func zeroLimitNeverAllowsADeletion() {
        var budget = IntervalBudget(limit: 0, window: 30)
        #expect(budget.remaining(now: t0) == 0)
    }
}

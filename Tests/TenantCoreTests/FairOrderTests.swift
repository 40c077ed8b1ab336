import FoundationEssentials
import Testing
import TenantCore

@Suite struct FairOrderTests {
    typealias C = FairOrder.Candidate
    static func at(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_800_000_000 + seconds) }

    @Test(arguments: [
        // Never succeeded goes before any success; among successes, the oldest first.
        ([C(accountID: "b", lastSuccessAt: at(10)), C(accountID: "a", lastSuccessAt: at(20)), C(accountID: "c")], ["c", "b", "a"]),
        // Equal success (both never): the one that never failed, then the oldest failure.
        ([C(accountID: "x", lastFailureAt: at(5)), C(accountID: "y"), C(accountID: "z", lastFailureAt: at(1))], ["y", "z", "x"]),
        // Equal success and failure: by account id.
        ([C(accountID: "m", lastSuccessAt: at(1), lastFailureAt: at(2)), C(accountID: "k", lastSuccessAt: at(1), lastFailureAt: at(2))], ["k", "m"]),
        // A recent success outranks an old failure's tie-break: success decides first.
        ([C(accountID: "old-fail", lastSuccessAt: at(30), lastFailureAt: at(0)), C(accountID: "new-fail", lastSuccessAt: at(20), lastFailureAt: at(40))], ["new-fail", "old-fail"]),
        ([], []),
    ] as [([C], [String])])
    func ordersByOldestSuccessThenOldestFailureThenID(candidates: [C], expected: [String]) {
        #expect(FairOrder.ordered(candidates).map(\.accountID) == expected)
        #expect(FairOrder.ordered(candidates.reversed()).map(\.accountID) == expected, "independent of the input order")
    }

    @Test func readsTheStatusRow() {
        let status = AccountStatus(accountID: "a", phase: .succeeded, lastSuccessAt: Self.at(1), lastFailureAt: Self.at(2))
        #expect(C(accountID: "a", status: status) == C(accountID: "a", lastSuccessAt: Self.at(1), lastFailureAt: Self.at(2)))
        #expect(C(accountID: "b", status: nil) == C(accountID: "b"))
    }
}

@Suite struct JobSlotsTests {
    typealias C = FairOrder.Candidate
    static let success = Date(timeIntervalSince1970: 1_800_000_000)
    static let candidates = [C(accountID: "d", lastSuccessAt: success), C(accountID: "c"), C(accountID: "b", lastFailureAt: success),
                             C(accountID: "a", lastSuccessAt: success + 10)]

    @Test(arguments: [
        // No cap: everyone now, in fair order.
        (nil, 0, ["c", "b", "d", "a"], []),
        // Three slots, one taken: the two first in fair order; the rest wait in that order.
        (3, 1, ["c", "b"], ["d", "a"]),
        // Every slot taken: everyone waits.
        (3, 3, [], ["c", "b", "d", "a"]),
        // The cap was lowered below what runs: nobody is admitted, nothing goes negative.
        (2, 5, [], ["c", "b", "d", "a"]),
        // More slots than candidates.
        (10, 0, ["c", "b", "d", "a"], []),
    ] as [(Int?, Int, [String], [String])])
    func admitsTheFirstInFairOrder(limit: Int?, taken: Int, admitted: [String], waiting: [String]) {
        let assignment = JobSlots.assign(limit: limit, taken: taken, candidates: Self.candidates)
        #expect(assignment == JobSlots.Assignment(admitted: admitted, waiting: waiting))
    }

    @Test func nobodyWantsASlot() {
        #expect(JobSlots.assign(limit: 3, taken: 0, candidates: []) == JobSlots.Assignment(admitted: [], waiting: []))
    }
}

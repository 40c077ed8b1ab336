import FoundationEssentials

/// The order in which accounts waiting for a Job get one when `MAX_RUNNING_JOBS` caps how many
/// run at once (issue 15): the account whose last success is oldest goes first (never succeeded:
/// before everyone), ties broken by the oldest last failure (never failed: first), then by account
/// id. The rule kawaja/oaat-operator uses, so no tenant starves behind a busy one. Reads
/// `last_success_at` / `last_failure_at` of `account_status`, so history written before an upgrade
/// counts.
public enum FairOrder {
    public struct Candidate: Sendable, Equatable {
        public var accountID: String
        public var lastSuccessAt: Date?
        public var lastFailureAt: Date?

        public init(accountID: String, lastSuccessAt: Date? = nil, lastFailureAt: Date? = nil) {
            self.accountID = accountID
            self.lastSuccessAt = lastSuccessAt
            self.lastFailureAt = lastFailureAt
        }

        public init(accountID: String, status: AccountStatus?) {
            self.init(accountID: accountID, lastSuccessAt: status?.lastSuccessAt, lastFailureAt: status?.lastFailureAt)
        }
    }

    /// Whether `a` goes before `b`.
    public static func precedes(_ a: Candidate, _ b: Candidate) -> Bool {
        if a.lastSuccessAt != b.lastSuccessAt { return earlier(a.lastSuccessAt, b.lastSuccessAt) }
        if a.lastFailureAt != b.lastFailureAt { return earlier(a.lastFailureAt, b.lastFailureAt) }
        return a.accountID < b.accountID
    }

    /// `candidates` in the order they get a Job.
    public static func ordered(_ candidates: [Candidate]) -> [Candidate] {
        candidates.sorted(by: precedes)
    }

    /// Never (nil) before any date, then the older date first.
    private static func earlier(_ a: Date?, _ b: Date?) -> Bool {
        switch (a, b) {
        case (nil, _): return b != nil
        case (_, nil): return false
        case (let a?, let b?): return a < b
        }
    }
}

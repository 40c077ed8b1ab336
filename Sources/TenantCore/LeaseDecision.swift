import FoundationEssentials

/// What a Lease says, reduced to what leader election reads.
public struct LeaseRecord: Sendable, Equatable {
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int
    public var renewTime: Date?
    public var leaseTransitions: Int
    public var resourceVersion: String

    public init(holderIdentity: String?, leaseDurationSeconds: Int, renewTime: Date?, leaseTransitions: Int, resourceVersion: String) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
        self.resourceVersion = resourceVersion
    }
}

/// Timings of client-go's leader election, which operators are expected to share:
/// a Lease is valid for 15 s, its holder gives up if it cannot renew within 10 s,
/// and everybody retries every 2 s.
public struct LeaseTimings: Sendable, Equatable {
    public var leaseDuration: TimeInterval
    public var renewDeadline: TimeInterval
    public var retryPeriod: TimeInterval

    public init(leaseDuration: TimeInterval = 15, renewDeadline: TimeInterval = 10, retryPeriod: TimeInterval = 2) {
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
    }
}

public enum LeaseDecision: Sendable, Equatable {
    /// No Lease exists: create it holding it ourselves.
    case create
    /// We hold it: write a new renewTime.
    case renew
    /// Free (released) or expired: take it over, counting one more transition.
    case takeOver(transitions: Int)
    /// Somebody else holds a valid Lease: wait.
    case follow(holder: String)
}

public enum LeaseElection {
    /// Decides the next step of leader election.
    ///
    /// Expiry is judged like client-go does: not from the holder's `renewTime` (the two clocks may
    /// disagree) but from when *we* last saw the record change (`observedAt`, our own clock) plus
    /// the lease duration.
    public static func decide(identity: String, record: LeaseRecord?, observedAt: Date, now: Date) -> LeaseDecision {
        guard let record else { return .create }
        let holder = record.holderIdentity ?? ""
        if holder == identity { return .renew }
        if holder.isEmpty { return .takeOver(transitions: record.leaseTransitions + 1) }
        let expires = observedAt.addingTimeInterval(TimeInterval(max(record.leaseDurationSeconds, 1)))
        if now >= expires { return .takeOver(transitions: record.leaseTransitions + 1) }
        return .follow(holder: holder)
    }
}

/// Who gets a Job now under `MAX_RUNNING_JOBS`, and who waits in which place: the accounts that
/// want one, in `FairOrder`, the first as many as there are free slots. Pure; the runtime counts
/// the slots taken (unfinished Jobs, creates sent but not yet seen) and holds the rest.
public enum JobSlots {
    public struct Assignment: Sendable, Equatable {
        /// Created now, in fair order.
        public var admitted: [String]
        /// Waiting, in fair order: place 1 is next.
        public var waiting: [String]

        public init(admitted: [String], waiting: [String]) {
            self.admitted = admitted
            self.waiting = waiting
        }
    }

    /// `limit` nil: no cap, everyone is admitted. `taken`: slots in use (may exceed the limit
    /// after it was lowered: then nobody is admitted until enough Jobs finished).
    public static func assign(limit: Int?, taken: Int, candidates: [FairOrder.Candidate]) -> Assignment {
        let ordered = FairOrder.ordered(candidates).map(\.accountID)
        guard let limit else { return Assignment(admitted: ordered, waiting: []) }
        let free = min(max(0, limit - taken), ordered.count)
        return Assignment(admitted: Array(ordered[..<free]), waiting: Array(ordered[free...]))
    }
}

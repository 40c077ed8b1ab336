import Common

/// The actions of one pass, in the order to carry them out, with counts and a printable form
/// (`provisioner plan`, `DRY_RUN=true`).
public struct Plan: Sendable, Equatable {
    public var actions: [PlannedAction]

    public init(actions: [PlannedAction]) { self.actions = actions }

    public struct Summary: Sendable, Equatable {
        public var creates = 0
        public var recreates = 0
        public var updates = 0
        public var restarts = 0
        public var deletes = 0
        public var deferredDeletes = 0
        public var conflicts = 0
        public var renderFailures = 0
        public var successesToRecord = 0
        public var failuresToRecord = 0
        public var waitingForDeletion = 0
        /// Replacements (recreates, updates) that exist only because image tags moved.
        public var imageRolls = 0
        /// Image rolls over this interval's `MAX_IMAGE_ROLLS_PER_PASS`.
        public var rollsPending = 0

        public init() {}
    }

    public var summary: Summary {
        var s = Summary()
        for action in actions {
            switch action {
            case .create: s.creates += 1
            case .recreate: s.recreates += 1
            case .update: s.updates += 1
            case .restart: s.restarts += 1
            case .delete: s.deletes += 1
            case .deferDelete: s.deferredDeletes += 1
            case .reportConflict: s.conflicts += 1
            case .renderFailed: s.renderFailures += 1
            case .recordSuccess: s.successesToRecord += 1
            case .recordFailure: s.failuresToRecord += 1
            case .waitForDeletion: s.waitingForDeletion += 1
            case .rollPending: s.rollsPending += 1
            }
            switch action {
            case .recreate(_, let order, _, _) where order.isImageRoll, .update(_, let order, _, _) where order.isImageRoll: s.imageRolls += 1
            default: break
            }
        }
        return s
    }

    /// One line per action (`verb  job  account: reason`), then a summary line.
    public var description: String {
        let verbWidth = actions.map(\.verb.count).max() ?? 0
        let nameWidth = min(63, actions.map { ($0.jobName ?? "-").count }.max() ?? 0)
        var lines: [String] = actions.map { action in
            let verb = action.verb.padding(verbWidth)
            let name = (action.jobName ?? "-").padding(nameWidth)
            let account = action.accountID.map { "account \(JSONText.quote($0))" } ?? "no account"
            return "\(verb)  \(name)  \(account): \(action.reason)"
        }
        let s = summary
        var parts = ["\(s.creates) to create", "\(s.recreates) to recreate", "\(s.deletes) to delete"]
        if s.updates > 0 { parts.append("\(s.updates) to update in place") }
        if s.imageRolls > 0 { parts.append("of these \(s.imageRolls) image rolls (moved tags)") }
        if s.restarts > 0 { parts.append("\(s.restarts) failed Jobs to restart") }
        if s.deferredDeletes > 0 { parts.append("\(s.deferredDeletes) deletions deferred (over MAX_DELETES_PER_PASS)") }
        if s.conflicts > 0 { parts.append("\(s.conflicts) name conflicts") }
        if s.renderFailures > 0 { parts.append("\(s.renderFailures) accounts that cannot be rendered") }
        if s.successesToRecord > 0 { parts.append("\(s.successesToRecord) successes to record") }
        if s.failuresToRecord > 0 { parts.append("\(s.failuresToRecord) failures to hand to the restart logic") }
        if s.rollsPending > 0 { parts.append("\(s.rollsPending) image rolls waiting (over MAX_IMAGE_ROLLS_PER_PASS)") }
        if s.waitingForDeletion > 0 { parts.append("\(s.waitingForDeletion) Jobs being deleted") }
        lines.append("Plan: " + parts.joined(separator: ", ") + ".")
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

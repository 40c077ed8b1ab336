import Common
import FoundationEssentials

/// What carrying out a cluster action came to.
public enum ActionResult: Sendable, Equatable {
    case done
    /// Nothing to do after all (already gone, already exists, precondition no longer true).
    case unnecessary(String)
    /// The API server refused for good (422, 403), or the Job could not be rendered: not retried
    /// until the account (its generation or memory override) changes.
    case rejected(String)
    /// A Job this instance does not manage already holds the name. The label-selected cache
    /// never shows such Jobs, so only a create's 409 reveals them; the reconciler reports it.
    case nameTaken(ObservedJob)
    /// A transient failure that outlived the client's retries; a later pass tries again.
    case failed(String)
}

/// The `account_status` change and `audit_log` rows a cluster action leaves behind (pure).
public enum ActionRecords {
    /// The status change after `action` came to `result` (nil: the row stays as it is) and the
    /// audit rows (none when nothing changed on the cluster). `newUID` is a created Job's uid,
    /// `specHash` the spec hash of the Job a create rendered; `accountActive` the account's state
    /// when the action was planned.
    /// `pins`: the digests a create or update pinned its images to (`RESOLVE_IMAGE_DIGESTS`).
    public static func of(_ action: PlannedAction, result: ActionResult, newUID: String?, specHash: String? = nil, pins: ImagePins? = nil,
                          accountActive: Bool?, namespace: String) -> (status: StatusChange?, audit: [AuditEntry]) {
        (statusChange(action, result: result, newUID: newUID, pins: pins, accountActive: accountActive),
         audit(action, result: result, newUID: newUID, specHash: specHash, pins: pins, namespace: namespace))
    }

    static func statusChange(_ action: PlannedAction, result: ActionResult, newUID: String?, pins: ImagePins? = nil, accountActive: Bool?) -> StatusChange? {
        let digests = pins.flatMap { $0.isEmpty ? nil : $0.text }
        switch (action, result) {
        case (.create(let order, _, _), .done):
            return .created(jobName: order.name, uid: newUID, generation: order.generation, imageDigests: digests)
        case (.delete(let name, let uid, _, _), .done), (.delete(let name, let uid, _, _), .unnecessary):
            return .deleted(jobName: name, uid: uid, accountActive: accountActive)
        case (.recreate, .done):
            return nil  // written before the delete was sent (see `intent`)
        case (.update(let old, let order, _, _), .done):
            // Rolling out: the status follows the object's conditions from here.
            return .created(jobName: old.name, uid: old.uid, generation: order.generation, imageDigests: digests)
        case (.restart(let old, _, let reason), .done):
            return .restarting(jobName: old.name, uid: old.uid, note: "restarting: the failed Job is being deleted (\(reason))")
        case (_, .rejected(let why)), (_, .failed(let why)):
            return .problem(why)
        default:
            return nil
        }
    }

    /// The status written *before* the action is sent, so that a replacement cut short between
    /// its two halves (SIGKILL, leader change) is finished by whoever leads next: a recreate's
    /// account reads `deleting`, which makes the planner create the successor once the old
    /// Job is gone. A restart needs none: its row already reads `restart_scheduled`, due.
    public static func intent(_ action: PlannedAction) -> StatusChange? {
        guard case .recreate(let old, _, _, let reason) = action else { return nil }
        return .recreating(jobName: old.name, uid: old.uid, note: "recreating: \(reason)")
    }

    static func audit(_ action: PlannedAction, result: ActionResult, newUID: String?, specHash: String?, pins: ImagePins? = nil,
                      namespace: String) -> [AuditEntry] {
        var details: [String: JSONValue] = [:]
        var uid: String?
        // What the workload sent runs, and what a replacement moved to another digest (a roll's
        // old and new digest of each image).
        if let pins, !pins.isEmpty { details["image_digests"] = .object(pins.digests.mapValues(JSONValue.string)) }
        switch action {
        case .recreate(_, let order, _, _), .update(_, let order, _, _):
            if !order.imageChanges.isEmpty { details["image_changes"] = .array(order.imageChanges.map(\.json)) }
            if order.isImageRoll { details["image_roll"] = true }
        default: break
        }
        switch action {
        case .create(let order, _, let completes):
            uid = newUID
            if let specHash { details["spec_hash"] = .string(specHash) }
            details["generation"] = .integer(order.generation)
            if let completes {
                details["step"] = "create"
                if let old = completes.oldUID { details["old_uid"] = .string(old) }
            }
        case .delete(_, let old, _, _):
            uid = old
        case .recreate(let old, _, let specHash, _):
            uid = old.uid
            details["step"] = "delete"
            details["spec_hash"] = .string(specHash)
        case .update(let old, let order, let specHash, _):
            uid = old.uid
            details["spec_hash"] = .string(specHash)
            if let oldHash = old.specHash { details["old_spec_hash"] = .string(oldHash) }
            details["generation"] = .integer(order.generation)
        case .restart(let old, _, _):
            uid = old.uid
            details["step"] = "delete"
            if let failedAt = old.failedAt { details["failed_at"] = .string(Timestamp.rfc3339(failedAt)) }
        default:
            return []
        }
        switch result {
        case .done:
            details["result"] = "done"
            switch action {
            case .delete, .recreate, .restart: details["propagation_policy"] = "Foreground"
            default: break
            }
        case .rejected(let why):
            details["result"] = "rejected"
            details["error"] = .string(why)
        case .unnecessary, .failed, .nameTaken:
            return []  // nothing changed on the cluster (a name conflict is audited by the reconciler)
        }
        return [AuditEntry(action: action.verb, accountID: action.accountID, namespace: namespace, jobName: action.jobName,
                           jobUID: uid, reason: action.reason, details: .object(details))]
    }
}

import Common
import FoundationEssentials

/// What the standalone restarter remembers of one Job it watches, by name. Persisted (one
/// ConfigMap per Job), so a restarter restarted, killed or replaced by another replica still
/// recreates a Job whose restart it had begun.
public struct WatchedJob: Sendable, Equatable {
    public var name: String
    /// The Job as the user made it, stripped of every server-set field (`ManifestSanitizer`):
    /// what a restart creates again.
    public var manifest: JSONValue
    /// The Job the manifest belongs to: the one it was read from, or the one a restart created.
    public var uid: String
    /// Failures in a row since the last success (the backoff's n).
    public var consecutiveFailures: Int
    /// The failed Job whose failure is recorded, and when it is restarted (nil: never).
    public var failedUID: String?
    public var restartAt: Date?
    /// A restart deleted this Job and has not created its successor yet.
    public var deletingUID: String?

    public init(name: String, manifest: JSONValue, uid: String, consecutiveFailures: Int = 0, failedUID: String? = nil,
                restartAt: Date? = nil, deletingUID: String? = nil) {
        self.name = name
        self.manifest = manifest
        self.uid = uid
        self.consecutiveFailures = consecutiveFailures
        self.failedUID = failedUID
        self.restartAt = restartAt
        self.deletingUID = deletingUID
    }
}

/// The one thing the restarter does next about one watched Job name.
public enum RestarterStep: Sendable, Equatable {
    /// A Job it did not make: read it whole and remember its manifest (and forget old failures).
    case remember(uid: String)
    /// The Job failed: read its pods and logs, record the failure, schedule the restart.
    case recordFailure(uid: String)
    /// The restart is due: delete the failed Job (the intent persisted first).
    case delete(uid: String)
    /// The name is free and a restart is under way: create the Job from the remembered manifest.
    case create
    /// The Job succeeded after failures: the count starts again.
    case resetFailures
    /// The Job is gone with no restart under way (deleted by hand, TTL after a success): forget it.
    case forget
    /// Nothing until then (nil: until something changes).
    case wait(until: Date?)

    /// Decides from what the restarter remembers (`entry`) and what the watch shows (`job`, nil
    /// when no Job has the name). Pure: the clock is `now`.
    public static func next(entry: WatchedJob?, job: ObservedJob?, now: Date) -> RestarterStep {
        guard let job else {
            guard let entry else { return .wait(until: nil) }
            if entry.deletingUID != nil { return .create }
            // Failed and gone before its restart (ttlSecondsAfterFinished): restarted all the same.
            if let failed = entry.failedUID, failed == entry.uid, let at = entry.restartAt {
                return at <= now ? .create : .wait(until: at)
            }
            return .forget
        }
        guard let entry else { return .remember(uid: job.uid) }
        if job.isTerminating { return .wait(until: nil) }  // its deletion ends with a watch event
        // Not the Job it remembers: the user replaced it, or a restart's create landed but its
        // record did not (then `deletingUID` is still set, and the failure count carries on).
        if job.uid != entry.uid { return .remember(uid: job.uid) }
        if entry.deletingUID == job.uid { return .delete(uid: job.uid) }  // the delete did not happen
        if job.failedAt != nil {
            guard entry.failedUID == job.uid else { return .recordFailure(uid: job.uid) }
            guard let at = entry.restartAt else { return .wait(until: nil) }  // never restarted
            return at <= now ? .delete(uid: job.uid) : .wait(until: at)
        }
        if job.completedAt != nil, entry.consecutiveFailures > 0 { return .resetFailures }
        return .wait(until: nil)
    }
}

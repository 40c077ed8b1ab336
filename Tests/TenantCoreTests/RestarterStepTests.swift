import Common
import Foundation
import Testing
@testable import TenantCore

/// `RestarterStep.next`: the standalone restarter's decision for one watched Job name.
@Suite struct RestarterStepTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let manifest: JSONValue = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "sync"]]

    static func job(uid: String = "u1", failed: Bool = false, completed: Bool = false, terminating: Bool = false) -> ObservedJob {
        ObservedJob(name: "sync", uid: uid, deletionTimestamp: terminating ? now - 1 : nil, completedAt: completed ? now - 5 : nil,
                    failedAt: failed ? now - 5 : nil)
    }

    static func entry(uid: String = "u1", failures: Int = 0, failedUID: String? = nil, restartAt: Date? = nil, deleting: String? = nil) -> WatchedJob {
        WatchedJob(name: "sync", manifest: manifest, uid: uid, consecutiveFailures: failures, failedUID: failedUID, restartAt: restartAt, deletingUID: deleting)
    }

    @Test(arguments: [
        // (case, entry, job, expected)
        ("a new Job is remembered", nil, job(), RestarterStep.remember(uid: "u1")),
        ("a Job replaced by its user is remembered anew", entry(uid: "old"), job(uid: "u1"), .remember(uid: "u1")),
        ("a running Job: nothing", entry(), job(), .wait(until: nil)),
        ("a failure is recorded once", entry(), job(failed: true), .recordFailure(uid: "u1")),
        ("recorded, not yet due", entry(failures: 1, failedUID: "u1", restartAt: now + 60), job(failed: true), .wait(until: now + 60)),
        ("recorded and due: deleted", entry(failures: 1, failedUID: "u1", restartAt: now), job(failed: true), .delete(uid: "u1")),
        ("recorded, never restarted", entry(failures: 1, failedUID: "u1"), job(failed: true), .wait(until: nil)),
        ("being deleted: wait for the watch", entry(failures: 1, failedUID: "u1", restartAt: now, deleting: "u1"), job(failed: true, terminating: true), .wait(until: nil)),
        ("a delete that did not happen is sent again", entry(failures: 1, failedUID: "u1", restartAt: now, deleting: "u1"), job(failed: true), .delete(uid: "u1")),
        ("gone during a restart: created", entry(failures: 1, failedUID: "u1", restartAt: now, deleting: "u1"), nil, .create),
        ("a restart's create landed but not its record", entry(failures: 1, failedUID: "u1", restartAt: now, deleting: "u1"), job(uid: "u2"), .remember(uid: "u2")),
        ("failed and removed by its TTL before the restart: created when due", entry(failures: 1, failedUID: "u1", restartAt: now - 1), nil, .create),
        ("failed and removed by its TTL, not yet due", entry(failures: 1, failedUID: "u1", restartAt: now + 5), nil, .wait(until: now + 5)),
        ("deleted by hand: forgotten", entry(), nil, .forget),
        ("a success after failures resets the count", entry(failures: 2), job(completed: true), .resetFailures),
        ("a success with no failures: nothing", entry(), job(completed: true), .wait(until: nil)),
        ("nothing remembered, nothing there", nil, nil, .wait(until: nil)),
    ] as [(String, WatchedJob?, ObservedJob?, RestarterStep)])
    func decides(what: String, entry: WatchedJob?, job: ObservedJob?, expected: RestarterStep) {
        #expect(RestarterStep.next(entry: entry, job: job, now: Self.now) == expected, "\(what)")
    }
}

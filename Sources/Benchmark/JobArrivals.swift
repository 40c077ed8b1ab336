import Common
import Foundation
import Kube
import Synchronization

/// When each account's Job first showed up in a watch on the managed Jobs, seen the way any other
/// client of the API server would see it. Subscribes to the cache at creation, so nothing the
/// cache reports after `init` is missed.
final class JobArrivals: Sendable {
    static let accountIDAnnotation = "tenant-provisioner/account-id"

    private let changes: AsyncStream<JobCacheChange>
    private let seen = Mutex<[String: ContinuousClock.Instant]>([:])

    init(cache: JobCache) {
        changes = cache.changes()
    }

    /// Records arrivals until the calling task is cancelled.
    func run() async {
        for await change in changes {
            guard case .added(let job) = change, let accountID = job.annotations[Self.accountIDAnnotation] else { continue }
            let now = ContinuousClock.now
            seen.withLock { if $0[accountID] == nil { $0[accountID] = now } }
        }
    }

    func arrival(of accountID: String) -> ContinuousClock.Instant? { seen.withLock { $0[accountID] } }

    /// The earliest arrival of all.
    var first: ContinuousClock.Instant? { seen.withLock { $0.values.min() } }
}

import Common
import FoundationEssentials
import Synchronization

/// What changed in a `JobCache`.
public enum JobCacheChange: Sendable, Equatable {
    case added(JobSummary)
    case modified(old: JobSummary, new: JobSummary)
    case deleted(JobSummary)
    /// A (re)list finished: the cache now mirrors the server. Differences found by a relist were
    /// reported as added/modified/deleted just before.
    case synced
}

/// What changed in a `JobCache` since a revision a reader saw (`JobCache.updates(since:)`).
public enum JobCacheUpdates: Sendable, Equatable {
    /// Too much changed (or the reader is new): here is every Job; start over.
    case everything([String: JobSummary])
    /// The names that changed, each with its Job now (nil: gone).
    case changed([String: JobSummary?])
}

/// A watch-fed cache of the Jobs matching a label selector in one namespace: one paginated LIST,
/// then a WATCH from the list's resourceVersion with bookmarks. A watch the server ends normally
/// is resumed from the last seen resourceVersion (no list); a `410 Gone` or a lost connection
/// relists after a backoff (`Backoff.reconnect`: 0.8 s doubling to 30 s, reset by a successful
/// list). Readers get snapshots and change notifications without any API request.
public final class JobCache: Sendable {
    public let namespace: String
    public let labelSelector: String
    /// What is cached: Jobs, or the Deployments or CronJobs a template of that kind makes
    /// (`JobSummary` reads the metadata and conditions all of them have).
    public let resource: KubeResource
    private let client: KubeClient
    private let pageSize: Int
    private let watchTimeoutSeconds: Int
    private let backoff: Backoff
    private let logger: Logger
    private let state: Mutex<State>

    private struct State: Sendable {
        var jobs: [String: JobSummary] = [:]
        var synced = false
        var lists = 0
        var subscribers: [Int: AsyncStream<JobCacheChange>.Continuation] = [:]
        var nextSubscriber = 0
        var strings: StringInterner
        /// Bumped by every change of `jobs`; `changeLog` names the Job of each of the most
        /// recent ones, so a reader can catch up on what changed instead of rereading everything.
        var revision: UInt64 = 0
        var changeLog: [(revision: UInt64, name: String)] = []
        /// Every change after this revision is in `changeLog`.
        var changeLogStart: UInt64 = 0

        mutating func logChange(of name: String) {
            revision += 1
            if changeLog.count >= JobCache.changeLogLimit {
                let dropped = changeLog.count / 2
                changeLogStart = changeLog[dropped - 1].revision
                changeLog.removeFirst(dropped)
            }
            changeLog.append((revision, name))
        }
    }

    /// How many recent changes are remembered for `updates(since:)` (beyond that, a reader gets
    /// `.everything`): a few passes' worth even while 10,000 Jobs are being created.
    static let changeLogLimit = 16_384

    /// `keptLabels`: the only labels the cached Jobs keep (nil: all). The provisioner reads two
    /// labels of its Jobs and no other; with only those, every Job's labels are alike and stored
    /// once instead of once per Job (1.4 MB at 10,000 Jobs, docs/benchmark.md).
    public init(client: KubeClient, namespace: String, labelSelector: String, resource: KubeResource = .jobs, keptLabels: Set<String>? = nil,
                pageSize: Int = 500, watchTimeoutSeconds: Int = 300, backoff: Backoff = .reconnect, logger: Logger) {
        self.resource = resource
        self.state = Mutex(State(strings: StringInterner(keptLabels: keptLabels)))
        self.client = client
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.pageSize = pageSize
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.backoff = backoff
        self.logger = logger.with(["k8s.namespace": namespace, "k8s.selector": labelSelector, "k8s.resource": resource.description])
    }

    // MARK: reading

    /// True once the first list has completed (and stays true across relists).
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// Every cached Job by name. A copy-on-write value: taking it costs nothing.
    public func snapshot() -> [String: JobSummary] { state.withLock { $0.jobs } }

    public func job(named name: String) -> JobSummary? { state.withLock { $0.jobs[name] } }

    public var count: Int { state.withLock { $0.jobs.count } }

    /// The Jobs that changed after `revision` (nil: everything), and the revision to ask from next time.
    public func updates(since revision: UInt64?) -> (revision: UInt64, updates: JobCacheUpdates) {
        state.withLock { s in
            guard let revision, revision >= s.changeLogStart, revision <= s.revision else {
                return (s.revision, .everything(s.jobs))
            }
            var changed: [String: JobSummary?] = [:]
            // The log is in revision order: walk back from the end to the first change after `revision`.
            var i = s.changeLog.endIndex
            while i > s.changeLog.startIndex, s.changeLog[i - 1].revision > revision { i -= 1 }
            for entry in s.changeLog[i...] { changed[entry.name] = .some(s.jobs[entry.name]) }
            return (s.revision, .changed(changed))
        }
    }

    /// How many LIST passes the cache has made (the first one included).
    public var listCount: Int { state.withLock { $0.lists } }

    /// A stream of every change from now on. It ends when the consuming task is cancelled.
    public func changes() -> AsyncStream<JobCacheChange> {
        let (stream, continuation) = AsyncStream<JobCacheChange>.makeStream()
        let id = state.withLock { s in
            let id = s.nextSubscriber
            s.nextSubscriber += 1
            s.subscribers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Waits until the first list has completed; false when `timeout` seconds pass first.
    public func waitForSync(timeout: Double) async -> Bool {
        await waitUntil(timeout: timeout) { $0.synced }
    }

    private func waitUntil(timeout: Double, _ condition: @escaping @Sendable (State) -> Bool) async -> Bool {
        // Subscribe before checking, so a change between the check and the wait is not missed.
        let stream = changes()
        if state.withLock({ condition($0) }) { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream where self.state.withLock({ condition($0) }) { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                return false
            }
            let result = await group.next() ?? false
            group.cancelAll()
            return result
        }
    }

    // MARK: running

    /// Lists, watches and relists until the calling task is cancelled.
    public func run() async {
        var failures = 0
        var resourceVersion: String? = nil
        while !Task.isCancelled {
            do {
                if resourceVersion == nil {
                    resourceVersion = try await relist()
                    failures = 0
                }
                let started = Date()
                resourceVersion = try await watch(from: resourceVersion!)
                // The server closed the watch normally (timeoutSeconds): resume from where it was.
                // One that ends at once, over and over, backs off instead of spinning.
                if Date().timeIntervalSince(started) < 1 {
                    failures += 1
                    try await Task.sleep(nanoseconds: UInt64(backoff.delay(attempt: failures) * 1e9))
                } else {
                    failures = 0
                }
            } catch {
                if Task.isCancelled { return }
                if case KubeError.cancelled = error { return }
                failures += 1
                resourceVersion = nil
                let delay = backoff.delay(attempt: failures)
                if case KubeError.gone = error {
                    logger.info("Job watch expired; relisting", ["retry.delay_s": String(delay)])
                } else {
                    logger.warning("Job watch or list failed; relisting", ["error": "\(error)", "retry.delay_s": String(delay)])
                }
                do {
                    try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                } catch {
                    return
                }
            }
        }
    }

    /// Lists every page and replaces the cache, reporting the differences. Returns the list's resourceVersion.
    private func relist() async throws -> String {
        var fresh: [String: JobSummary] = [:]
        var listVersion: String? = nil
        try await client.forEachPage(resource, namespace: namespace, labelSelector: labelSelector, pageSize: pageSize, as: JobSummary.self) { page in
            if listVersion == nil { listVersion = page.metadata.resourceVersion }
            let interned = state.withLock { s in page.items.map { $0.interned(&s.strings) } }
            for job in interned { fresh[job.name] = job }
        }
        guard let listVersion, !listVersion.isEmpty else {
            throw KubeError.invalidResponse("the Job list has no resourceVersion to watch from")
        }
        var changes: [JobCacheChange] = []
        let subscribers = state.withLock { s in
            for (name, job) in fresh {
                if let old = s.jobs[name] {
                    if old.resourceVersion != job.resourceVersion || old.uid != job.uid { changes.append(.modified(old: old, new: job)) }
                } else {
                    changes.append(.added(job))
                }
            }
            for (name, old) in s.jobs where fresh[name] == nil { changes.append(.deleted(old)) }
            s.jobs = fresh
            for change in changes {
                switch change {
                case .added(let job), .modified(_, let job), .deleted(let job): s.logChange(of: job.name)
                case .synced: break
                }
            }
            s.synced = true
            s.lists += 1
            return Array(s.subscribers.values)
        }
        changes.append(.synced)
        for change in changes { subscribers.forEach { $0.yield(change) } }
        logger.debug("Job list done", ["k8s.jobs": String(fresh.count), "k8s.resource_version": listVersion])
        return listVersion
    }

    /// Applies watch events until the watch ends; returns the last resourceVersion seen.
    private func watch(from start: String) async throws -> String {
        var resourceVersion = start
        let events = client.watch(resource, namespace: namespace, labelSelector: labelSelector, resourceVersion: start,
                                  allowBookmarks: true, timeoutSeconds: watchTimeoutSeconds, as: JobSummary.self)
        for try await event in events {
            switch event {
            case .bookmark(let rv):
                if !rv.isEmpty { resourceVersion = rv }
            case .added(let job), .modified(let job):
                resourceVersion = job.resourceVersion
                apply { s in
                    let stored = job.interned(&s.strings)
                    let old = s.jobs.updateValue(stored, forKey: stored.name)
                    s.logChange(of: stored.name)
                    return old.map { .modified(old: $0, new: stored) } ?? .added(stored)
                }
            case .deleted(let job):
                resourceVersion = job.resourceVersion
                apply { s in
                    s.logChange(of: job.name)
                    return .deleted(s.jobs.removeValue(forKey: job.name) ?? job)
                }
            }
        }
        return resourceVersion
    }

    private func apply(_ mutate: (inout State) -> JobCacheChange) {
        let (change, subscribers) = state.withLock { s in (mutate(&s), Array(s.subscribers.values)) }
        subscribers.forEach { $0.yield(change) }
    }
}

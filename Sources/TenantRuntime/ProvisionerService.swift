import Common
import FoundationEssentials
import Kube
import Postgres
import SchemaMigrator
import Synchronization
import TenantCore

/// The running provisioner: the watch cache, leader election, the NOTIFY listener, the pass
/// loop, the workers that call the API, and the health endpoints, wired together.
/// `run()` returns when SIGTERM arrives, after the action in flight finished and the Lease
/// was released.
public final class ProvisionerService: Sendable {
    public struct Dependencies: Sendable {
        public var settings: ProvisionerSettings
        public var template: JobTemplate
        public var database: PostgresConfig
        public var kube: KubeConfig
        public var namespace: String
        public var logger: Logger

        public init(settings: ProvisionerSettings, template: JobTemplate, database: PostgresConfig, kube: KubeConfig, namespace: String, logger: Logger) {
            self.settings = settings
            self.template = template
            self.database = database
            self.kube = kube
            self.namespace = namespace
            self.logger = logger
        }
    }

    /// Workers carrying out cluster actions concurrently; the client's rate limit is what
    /// bounds the request rate, this only bounds how many wait at once.
    static let workerCount = 16

    /// How long SIGTERM waits for running actions: within Kubernetes' default 30 s grace period.
    static let shutdownGrace: Double = 20

    let deps: Dependencies
    public let metrics = Metrics()
    public let readiness = Readiness()
    let client: KubeClient
    let cache: JobCache
    /// With a CronJob template: the Jobs the CronJobs create (their outcomes are recorded).
    let runs: JobCache?
    let queue = ActionQueue()
    let trigger = PassTrigger()
    let reconciler: Reconciler
    let executor: ActionExecutor
    let store: ProvisionerStore
    let leader: LeaderElector?
    /// `RESOLVE_IMAGE_DIGESTS`: nil when off.
    let images: ImageDigestSource?
    private let leading = Shared(false)
    private let stopping = Shared(false)
    private let firstPass: Shared<FirstPassGate>
    private let logger: Logger

    public init(_ deps: Dependencies) {
        self.deps = deps
        let s = deps.settings
        logger = deps.logger
        firstPass = Shared(FirstPassGate(waitsForImages: s.images.resolve))
        client = KubeClient(config: deps.kube, rateLimit: s.rateLimit, logger: deps.logger.with(["component": "kube"]))
        cache = JobCache(client: client, namespace: deps.namespace, labelSelector: ManagedMetadata.selector(instance: s.instance),
                         resource: deps.template.kind.resource, keptLabels: ManagedMetadata.readLabels, logger: deps.logger.with(["component": "job-cache"]))
        runs = deps.template.kind == .cronJob
            ? JobCache(client: client, namespace: deps.namespace, labelSelector: ManagedMetadata.selector(instance: s.instance),
                       keptLabels: ManagedMetadata.readLabels, logger: deps.logger.with(["component": "run-cache"]))
            : nil
        let cache = self.cache
        store = ProvisionerStore(connection: PostgresConnection(config: deps.database, logger: deps.logger), actor: s.identity,
                                 jobStrings: { name in cache.job(named: name).map { ($0.name, $0.uid) } })
        reconciler = Reconciler(store: store, cache: cache, runs: runs, queue: queue, template: deps.template,
                                options: .init(namespace: deps.namespace, instance: s.instance, rerunAfterSuccess: s.rerunAfterSuccess,
                                               restart: s.restart.policy, dryRun: s.dryRun, maxRunningJobs: s.maxRunningJobs,
                                               imageKeys: s.images.resolve ? deps.template.namedImages.references.map(\.key) : nil,
                                               maxImageRollsPerPass: s.images.maxRollsPerPass),
                                deleteBudget: IntervalBudget(limit: s.maxDeletesPerPass, window: s.pollInterval),
                                logger: deps.logger, metrics: metrics)
        executor = ActionExecutor(client: client, store: store, namespace: deps.namespace, instance: s.instance, template: deps.template,
                                  inspector: FailureInspector(client: client, logTailLines: s.restart.logTailLines, logger: deps.logger),
                                  events: JobEvents(client: client, component: "tenant-provisioner", instance: s.identity, logger: deps.logger),
                                  restarts: .init(policy: s.restart.policy, escalation: s.restart.escalation),
                                  logger: deps.logger, metrics: metrics)
        images = s.images.resolve
            ? ImageDigestSource(settings: s.images, template: deps.template, client: client, namespace: deps.namespace,
                                logger: deps.logger.with(["component": "image-resolver"]), metrics: metrics)
            : nil
        let trigger = self.trigger
        let queue = self.queue
        let reconciler = self.reconciler
        let leadingFlag = leading
        let metrics = self.metrics
        let firstPass = self.firstPass
        leader = s.leaderElection
            ? LeaderElector(client: client, namespace: deps.namespace, leaseName: s.leaseName, identity: s.identity,
                            logger: deps.logger.with(["component": "leader-election"])) { isLeader in
                leadingFlag.set(isLeader)
                metrics.set("tenant_provisioner_leader", isLeader ? 1 : 0)
                Task {
                    if isLeader {
                        // Another replica may have written account_status meanwhile, or run migrate.
                        await reconciler.leadershipGained()
                        if firstPass.withLock({ $0.note(.leadershipGained) }) { await trigger.requestFull() }
                    } else {
                        await queue.drain()
                    }
                }
            }
            : nil
        if leader == nil { leading.set(true) }
        describeMetrics()
    }

    public var isLeader: Bool { leading.get() }

    private func describeMetrics() {
        metrics.describe("tenant_provisioner_passes_total", .counter, help: "Reconcile passes, by result.")
        metrics.describe("tenant_provisioner_pass_duration_seconds", .gauge, help: "Duration of the last reconcile pass.")
        metrics.describe("tenant_provisioner_pass_duration_seconds_sum", .counter, help: "Total duration of all reconcile passes.")
        metrics.describe("tenant_provisioner_jobs_created_total", .counter, help: "Jobs created.")
        metrics.describe("tenant_provisioner_jobs_deleted_total", .counter, help: "Jobs deleted (inactive, deleted or unknown accounts).")
        metrics.describe("tenant_provisioner_jobs_recreated_total", .counter, help: "Jobs recreated because their spec changed.")
        metrics.describe("tenant_provisioner_jobs_updated_total", .counter, help: "Deployments and CronJobs whose changed spec was applied in place.")
        metrics.describe("tenant_provisioner_jobs_restarted_total", .counter, help: "Failed Jobs restarted (the new Job created).")
        metrics.describe("tenant_provisioner_job_failures_total", .counter, help: "Job failures recorded, by reason.")
        metrics.describe("tenant_provisioner_restarts_waiting", .gauge, help: "Accounts whose failed Job waits for its restart (phase restart_scheduled).")
        metrics.describe("tenant_provisioner_restart_duration_seconds", .summary, help: "Restarts from the failed Job's delete to the new Job's create.")
        metrics.describe("tenant_provisioner_jobs_queued", .gauge, help: "Accounts whose Job waits for a free slot under MAX_RUNNING_JOBS (phase queued).")
        metrics.describe("tenant_provisioner_deletions_deferred_total", .counter, help: "Deletions put off by MAX_DELETES_PER_PASS.")
        metrics.describe("tenant_provisioner_api_requests_total", .counter, help: "Kubernetes API requests, by verb and response code (0: no response).")
        metrics.describe("tenant_provisioner_db_errors_total", .counter, help: "Database errors.")
        metrics.describe("tenant_provisioner_leader", .gauge, help: "1 while this replica holds the Lease.")
        metrics.describe("tenant_provisioner_action_queue_depth", .gauge, help: "Cluster actions waiting for a worker.")
        metrics.describe("tenant_provisioner_managed_jobs", .gauge, help: "Managed Jobs in the watch cache.")
        metrics.describe("tenant_provisioner_accounts_planned_total", .counter, help: "Accounts planned by full passes (all of them on every 10th pass, else only those whose row, Jobs or status changed or whose last plan was not empty).")
        metrics.describe("tenant_provisioner_image_resolve_failures_total", .counter, help: "Registry questions for a tag's digest that failed (the last known digest stays).")
        metrics.describe("tenant_provisioner_images_unresolved", .gauge, help: "Image tags with no digest known yet (workloads get the tag until one is).")
        metrics.describe("tenant_provisioner_image_rolls_total", .counter, help: "Workloads moved to a moved tag's new digest (recreated Jobs, updated Deployments and CronJobs).")
        metrics.describe("tenant_provisioner_image_rolls_waiting", .gauge, help: "Workloads whose tags moved, waiting for MAX_IMAGE_ROLLS_PER_PASS (after the last full pass).")
        metrics.describe("tenant_provisioner_image_digest_workloads", .gauge, help: "Managed workloads running each digest of each image (by their image-digests annotation).")
        metrics.describe("tenant_provisioner_heap_in_use_bytes", .gauge, help: "Heap in use after the last full pass (glibc mallinfo2: allocated, not free; RSS minus this is libraries, stacks and free arena space).")
        metrics.set("tenant_provisioner_leader", isLeader ? 1 : 0)
    }

    // MARK: health endpoints

    public func handle(method: String, path: String) -> HealthServer.Response {
        HealthEndpoints.respond(method: method, path: path, readiness: readiness, metrics: metrics, client: client, prefix: "tenant_provisioner") {
            metrics.set("tenant_provisioner_managed_jobs", Double(cache.count))
        }
    }

    // MARK: running

    /// Runs until `shutdown()` is called. Returns the process exit code.
    public func run() async -> Int32 {
        let listener = NotificationListener(config: deps.database, channels: ["accounts_changed"], logger: deps.logger.with(["component": "listener"]))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.cache.run() }
            if let runs = self.runs {
                group.addTask { await runs.run() }
                group.addTask { await self.reactToJobChanges(runs) }
            }
            group.addTask { await self.watchCacheState() }
            if let leader = self.leader { group.addTask { await leader.run() } }
            group.addTask { await self.listen(listener) }
            group.addTask { await self.reactToJobChanges(self.cache) }
            if let images = self.images { group.addTask { await self.resolveImages(images) } }
            // Workers live outside the group so that shutdown can stop them before the Lease goes.
            let workers = (0..<Self.workerCount).map { _ in Task { await self.work() } }
            // The pass loop ends on shutdown; then the rest is wound down in order.
            await self.passLoop()
            await self.queue.close()
            // The action in flight finishes. What waits longer (a recreate waiting for a slow
            // Foreground delete) is interrupted: the old Job is already on its way out and the
            // next leader creates the new one, so nothing is lost, and we stay inside the pod's
            // termination grace period.
            if await !self.queue.waitUntilIdle(timeout: Self.shutdownGrace) {
                self.logger.warning("interrupting cluster actions still waiting after \(Int(Self.shutdownGrace)) s; the next leader finishes them")
                workers.forEach { $0.cancel() }
                _ = await self.queue.waitUntilIdle(timeout: 5)
            }
            for worker in workers { await worker.value }
            await self.leader?.release()
            listener.stop()
            group.cancelAll()
        }
        logger.info("stopped")
        return ExitCode.success.rawValue
    }

    /// Asks `run()` to finish: the pass in progress and the actions in flight complete first.
    public func shutdown() {
        stopping.set(true)
        Task { await trigger.requestFull() }
    }

    private var isStopping: Bool { stopping.get() }

    private func passLoop() async {
        var failures = 0
        // The first pass starts when the cache has synced (watchCacheState) or the listener is up.
        // The poll is due POLL_INTERVAL after the last full pass, not after the last wake-up:
        // a steady trickle of NOTIFY passes must not postpone the full pass for ever.
        var fullPassDue = Date().addingTimeInterval(deps.settings.pollInterval)
        while !isStopping {
            let work = await trigger.next(timeout: fullPassDue.timeIntervalSinceNow)
            if isStopping { break }
            guard isLeader else {
                await followerCheck()
                fullPassDue = Date().addingTimeInterval(deps.settings.pollInterval)
                continue
            }
            if await executor.pending.count > 0 {
                let written = await executor.pending.flush()
                if written > 0 { logger.info("wrote records kept while the database was away", ["records": "\(written)"]) }
            }
            do {
                switch work {
                case .full:
                    let report = try await reconciler.fullPass()
                    passSucceeded(report, full: true)
                    for (accountID, at) in report.scheduledRestarts { await trigger.schedule(account: accountID, at: at) }
                    await reconciler.releaseMemory()
                    fullPassDue = Date().addingTimeInterval(deps.settings.pollInterval)
                case .accounts(let ids):
                    for id in ids {
                        let report = try await reconciler.accountPass(accountID: id)
                        passSucceeded(report, full: false)
                    }
                }
                failures = 0
            } catch {
                failures += 1
                fullPassDue = Date().addingTimeInterval(min(Backoff.reconnect.delay(attempt: failures), deps.settings.pollInterval))
                passFailed(error)
            }
            metrics.set("tenant_provisioner_action_queue_depth", Double(await queue.depth))
        }
    }

    private func passSucceeded(_ report: PassReport, full: Bool) {
        metrics.increment("tenant_provisioner_passes_total", labels: ["result": "success", "kind": full ? "full" : "account"])
        metrics.set("tenant_provisioner_pass_duration_seconds", report.duration)
        metrics.increment("tenant_provisioner_pass_duration_seconds_sum", by: report.duration)
        readiness.set("database", problem: nil)
        readiness.set("schema", problem: nil)
        readiness.set("pass", problem: nil)
        readiness.set("startup", problem: nil)
        let summary = report.plan.summary
        let meta: [String: String] = ["pass.kind": full ? "full" : "account", "pass.duration_ms": String(Int(report.duration * 1000)),
                                      "plan.creates": "\(summary.creates)", "plan.deletes": "\(summary.deletes)",
                                      "plan.recreates": "\(summary.recreates)", "plan.restarts": "\(summary.restarts)",
                                      "plan.deferred": "\(summary.deferredDeletes)",
                                      "enqueued": "\(report.enqueued)", "statuses_written": "\(report.statusesWritten)"]
        if report.enqueued > 0 || report.statusesWritten > 0 || summary.deferredDeletes > 0 {
            logger.info("pass done", meta)
        } else {
            logger.debug("pass done", meta)
        }
    }

    private func passFailed(_ error: PassError) {
        metrics.increment("tenant_provisioner_passes_total", labels: ["result": "failure"])
        switch error {
        case .database(let why):
            metrics.increment("tenant_provisioner_db_errors_total")
            readiness.set("database", problem: why)
            logger.error("pass skipped: database unavailable; no Job is created or deleted until it is back", ["error": why])
        case .schemaBehind:
            readiness.set("schema", problem: error.description)
            readiness.set("database", problem: nil)
            logger.error("pass skipped: database schema not current", ["error": error.description])
        case .cacheNotSynced:
            readiness.set("pass", problem: error.description)
            logger.warning("pass skipped: waiting for the first list of Jobs", [:])
        }
    }

    /// A follower does no pass, but /readyz should still say whether it could take over.
    private func followerCheck() async {
        do {
            let version = try await store.schemaVersion()
            readiness.set("database", problem: nil)
            if let version, version >= SchemaMigrator.requiredVersion {
                readiness.set("schema", problem: nil)
            } else {
                readiness.set("schema", problem: PassError.schemaBehind(current: version, required: SchemaMigrator.requiredVersion).description)
            }
            readiness.set("pass", problem: nil)
            readiness.set("startup", problem: nil)
        } catch {
            readiness.set("database", problem: error.description)
        }
    }

    private func work() async {
        while let item = await queue.next() {
            let outcome = await executor.run(item)
            await reconciler.note(outcome)
            await queue.finished(item.key)
            guard let accountID = item.action.accountID else { continue }
            // A name held by a Job we do not manage: the account's pass reports it now, not at the next poll.
            if case .nameTaken = outcome.result { await trigger.request(account: accountID) }
            // A recorded failure: the account is looked at again when its restart is due.
            if let at = outcome.restartAt { await trigger.schedule(account: accountID, at: at) }
        }
    }

    private func watchCacheState() async {
        readiness.set("kubernetes", problem: "waiting for the first list of \(deps.template.kind.resource)")
        while !Task.isCancelled {
            if await cache.waitForSync(timeout: 3600) {
                // With a CronJob template, the runs too: a pass needs both.
                if let runs {
                    readiness.set("kubernetes", problem: "waiting for the first list of the CronJobs' Jobs")
                    guard await runs.waitForSync(timeout: 3600) else { continue }
                }
                readiness.set("kubernetes", problem: nil)
                await startupEvent(.cacheSynced)
                return
            }
        }
    }

    /// Asks the registries about what is due every `resolveRound` seconds (each tag at most once
    /// per `IMAGE_RESOLVE_INTERVAL`, a failed one again after 30 s); digests that changed go to
    /// the reconciler and bring a full pass, which rolls the tenants within the budget. Runs on
    /// followers too, so a replica that takes over pins with what it knows.
    private func resolveImages(_ images: ImageDigestSource) async {
        let round = min(Self.resolveRound, deps.settings.images.interval)
        while !isStopping, !Task.isCancelled {
            let table = await images.refresh()
            let changed = await reconciler.setImageDigests(table)
            if firstPass.withLock({ $0.opened }) {
                if changed, isLeader { await trigger.requestFull() }
            } else {
                await startupEvent(.imagesResolved)
            }
            try? await Task.sleep(for: .seconds(round))
        }
    }

    static let resolveRound: Double = 10

    private func startupEvent(_ event: FirstPassGate.Event) async {
        if firstPass.withLock({ $0.note(event) }) { await trigger.requestFull() }
    }

    private func listen(_ listener: NotificationListener) async {
        for await event in listener.events {
            switch event {
            case .listening:
                readiness.set("listener", problem: nil)
                // Anything sent while we were not listening is lost: look at everything.
                await startupEvent(.listening)
            case .notification(let n):
                await trigger.request(account: n.payload)
            case .disconnected(let error):
                readiness.set("listener", problem: "LISTEN accounts_changed is not connected: \(error.description)")
                logger.warning("lost the LISTEN connection; reconnecting", ["error": error.description])
            }
        }
    }

    /// A Job that finished, failed or vanished is looked at right away instead of at the next poll.
    private func reactToJobChanges(_ cache: JobCache) async {
        for await change in cache.changes() {
            let accountID: String?
            switch change {
            case .modified(let old, let new) where old.conditions != new.conditions || old.deletionTimestamp != new.deletionTimestamp:
                accountID = new.annotations[ManagedMetadata.accountIDAnnotation]
            case .deleted(let job):
                accountID = job.annotations[ManagedMetadata.accountIDAnnotation]
            default:
                accountID = nil
            }
            if let accountID, isLeader { await trigger.request(account: accountID) }
        }
    }
}

import Common
import FoundationEssentials
import Kube
import Postgres
import SchemaMigrator
import TenantCore

/// The standalone restarter: restarts Jobs made by something else (`JOB_NAMES` or
/// `JOB_SELECTOR`). A watch drives it; each Job's manifest is remembered when it is first seen
/// (`RestarterMemory`), its failure recorded once, and when its restart is due it is deleted
/// (Foreground, uid precondition) and created again from the remembered manifest once the watch
/// shows it gone. What to do about a Job is `RestarterStep.next` (pure); this type does it.
public final class RestarterService: Sendable {
    public struct Dependencies: Sendable {
        public var settings: RestarterSettings
        /// nil: no failure history (`DATABASE_URL` unset).
        public var database: PostgresConfig?
        public var kube: KubeConfig
        public var namespace: String
        public var logger: Logger

        public init(settings: RestarterSettings, database: PostgresConfig?, kube: KubeConfig, namespace: String, logger: Logger) {
            self.settings = settings
            self.database = database
            self.kube = kube
            self.namespace = namespace
            self.logger = logger
        }
    }

    static let prefix = "tenant_restarter"

    let deps: Dependencies
    public let metrics = Metrics()
    public let readiness = Readiness()
    let client: KubeClient
    let cache: JobCache
    let memory: RestarterMemory
    let history: FailureHistory?
    let inspector: FailureInspector
    let events: JobEvents
    let trigger = PassTrigger()
    let leader: LeaderElector?
    /// Audit rows of restart steps whose write failed, written when the database is back.
    let pending = PendingRecords()
    private let leading = Shared(false)
    private let stopping = Shared(false)
    private let restartStarted = Shared<[String: ContinuousClock.Instant]>([:])
    private let logger: Logger

    public init(_ deps: Dependencies) {
        self.deps = deps
        let s = deps.settings
        logger = deps.logger
        client = KubeClient(config: deps.kube, rateLimit: s.rateLimit, logger: deps.logger.with(["component": "kube"]))
        cache = JobCache(client: client, namespace: deps.namespace, labelSelector: s.target.labelSelector, logger: deps.logger.with(["component": "job-cache"]))
        memory = RestarterMemory(client: client, namespace: deps.namespace, leaseName: s.leaseName)
        history = deps.database.map { FailureHistory(connection: PostgresConnection(config: $0, logger: deps.logger), actor: s.identity) }
        inspector = FailureInspector(client: client, logTailLines: s.restart.logTailLines, logger: deps.logger)
        events = JobEvents(client: client, component: "tenant-restarter", instance: s.identity, logger: deps.logger)
        let leadingFlag = leading
        let metrics = self.metrics
        let memory = self.memory
        let trigger = self.trigger
        leader = s.leaderElection
            ? LeaderElector(client: client, namespace: deps.namespace, leaseName: s.leaseName, identity: s.identity,
                            logger: deps.logger.with(["component": "leader-election"])) { isLeader in
                leadingFlag.set(isLeader)
                metrics.set("\(Self.prefix)_leader", isLeader ? 1 : 0)
                Task {
                    // Another replica may have changed the memory meanwhile: read it again.
                    await memory.invalidate()
                    if isLeader { await trigger.requestFull() }
                }
            }
            : nil
        if leader == nil { leading.set(true) }
        metrics.describe("\(Self.prefix)_jobs_restarted_total", .counter, help: "Failed Jobs restarted (created again).")
        metrics.describe("\(Self.prefix)_job_failures_total", .counter, help: "Job failures recorded, by reason.")
        metrics.describe("\(Self.prefix)_restarts_waiting", .gauge, help: "Failed Jobs waiting for their restart.")
        metrics.describe("\(Self.prefix)_restart_duration_seconds", .summary, help: "Restarts from the failed Job's delete to the new Job's create.")
        metrics.describe("\(Self.prefix)_watched_jobs", .gauge, help: "Jobs the restarter remembers.")
        metrics.describe("\(Self.prefix)_api_requests_total", .counter, help: "Kubernetes API requests, by verb and response code (0: no response).")
        metrics.describe("\(Self.prefix)_db_errors_total", .counter, help: "Failure history writes that failed.")
        metrics.describe("\(Self.prefix)_leader", .gauge, help: "1 while this replica holds the Lease.")
        metrics.describe("\(Self.prefix)_checks_total", .counter, help: "Safety re-checks of every watched Job done by the leader (one per CHECK_INTERVAL).")
        metrics.set("\(Self.prefix)_leader", leading.get() ? 1 : 0)
    }

    public func handle(method: String, path: String) -> HealthServer.Response {
        HealthEndpoints.respond(method: method, path: path, readiness: readiness, metrics: metrics, client: client, prefix: Self.prefix) {}
    }

    // MARK: running

    /// Runs until `shutdown()`; returns the exit code.
    public func run() async -> Int32 {
        readiness.set("kubernetes", problem: "waiting for the first list of Jobs")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.cache.run() }
            if let leader = self.leader { group.addTask { await leader.run() } }
            group.addTask { await self.followJobChanges() }
            if self.history != nil { group.addTask { await self.checkDatabase() } }
            await self.loop()
            await self.leader?.release()
            group.cancelAll()
        }
        if let history { await history.connection.close() }
        logger.info("stopped")
        return ExitCode.success.rawValue
    }

    /// Asks `run()` to finish after the step in flight.
    public func shutdown() {
        stopping.set(true)
        Task { await trigger.requestFull() }
    }

    private func loop() async {
        while !stopping.get() {
            let work = await trigger.next(timeout: deps.settings.checkInterval)
            if stopping.get() { break }
            guard leading.get() else {
                readiness.set("startup", problem: nil)
                continue
            }
            guard cache.hasSynced else { continue }
            if await !memory.isLoaded {
                do {
                    try await memory.load()
                    readiness.set("memory", problem: nil)
                } catch {
                    readiness.set("memory", problem: "cannot read the restarter's ConfigMaps: \(error.description)")
                    logger.error("cannot read the restarter's memory; retrying", ["error": error.description])
                    let trigger = self.trigger
                    Task {
                        try? await Task.sleep(nanoseconds: 5_000_000_000)
                        await trigger.requestFull()
                    }
                    continue
                }
            }
            if await pending.count > 0 { await pending.flush() }
            let names: Set<String>
            switch work {
            case .full:
                names = Set(await memory.names).union(cache.snapshot().keys.filter(deps.settings.target.matches))
            case .accounts(let ids):
                names = Set(ids)
            }
            await withTaskGroup(of: Void.self) { group in
                for name in names { group.addTask { await self.evaluate(name) } }
            }
            readiness.set("startup", problem: nil)
            if case .full = work { metrics.increment("\(Self.prefix)_checks_total") }
            await updateGauges()
        }
    }

    /// Every change of a watched Job is a reason to look at it at once.
    private func followJobChanges() async {
        for await change in cache.changes() {
            switch change {
            case .added(let job), .modified(_, let job), .deleted(let job):
                if deps.settings.target.matches(job.name) { await trigger.request(account: job.name) }
            case .synced:
                readiness.set("kubernetes", problem: nil)
                await trigger.requestFull()
            }
        }
    }

    /// With a failure history: the database must be reachable and migrated.
    private func checkDatabase() async {
        guard let history else { return }
        while !Task.isCancelled && !stopping.get() {
            do {
                let version = try await SchemaMigrator.currentVersion(history.connection)
                if let version, version >= SchemaMigrator.requiredVersion {
                    readiness.set("database", problem: nil)
                } else {
                    readiness.set("database", problem: "the failure history needs the schema at version \(SchemaMigrator.requiredVersion) (found \(version.map(String.init) ?? "none")): run `migrate up`")
                }
            } catch {
                readiness.set("database", problem: "failure history unavailable: \(error.description)")
            }
            try? await Task.sleep(nanoseconds: 15_000_000_000)
        }
    }

    private func updateGauges() async {
        metrics.set("\(Self.prefix)_watched_jobs", Double(await memory.count))
        var waiting = 0
        for name in await memory.names {
            if let entry = await memory.entry(name), entry.failedUID == entry.uid, entry.restartAt != nil { waiting += 1 }
        }
        metrics.set("\(Self.prefix)_restarts_waiting", Double(waiting))
    }

    // MARK: one Job

    private func evaluate(_ name: String) async {
        guard !stopping.get() else { return }
        let now = Date()
        let job = cache.job(named: name).flatMap { deps.settings.target.matches($0.name) ? $0 : nil }
        let entry = await memory.entry(name)
        let step = RestarterStep.next(entry: entry, job: job.map(ObservedJob.init), now: now)
        do {
            switch step {
            case .remember(let uid):
                try await remember(name, uid: uid, previous: entry)
            case .recordFailure(let uid):
                guard let entry, let job else { return }
                try await recordFailure(of: job, uid: uid, entry: entry, now: now)
            case .delete(let uid):
                guard var entry else { return }
                entry.deletingUID = uid
                try await memory.save(entry)  // the intent first: a successor restarter finishes the restart
                try await deleteForRestart(name, uid: uid)
            case .create:
                guard let entry else { return }
                try await create(entry, now: now)
            case .resetFailures:
                guard var entry else { return }
                entry.consecutiveFailures = 0
                try await memory.save(entry)
            case .forget:
                try await memory.forget(name)
                logger.info("forgetting a Job that is gone (deleted, or removed after it completed)", ["job.name": name])
            case .wait(let until):
                if let until { await trigger.schedule(account: name, at: until) }
            }
        } catch let error as KubeError where error.isConflict {
            // The Job changed under us (uid precondition): the watch event that follows says what it is now.
            logger.debug("Job changed while acting on it; looking again", ["job.name": name, "error": error.description])
        } catch {
            logger.warning("could not act on a watched Job; retried at the next check", ["job.name": name, "step": "\(step)", "error": "\(error)"])
        }
    }

    /// The first half of a restart, its intent already saved: Foreground delete with the uid as
    /// precondition. The watch's DELETED event brings the `.create` step.
    private func deleteForRestart(_ name: String, uid: String) async throws {
        let deleted = try await client.delete(.jobs, namespace: deps.namespace, name: name, propagation: .foreground, preconditionUID: uid)
        if deleted { restartStarted.withLock { $0[name] = .now } }
        logger.info("restart: deleting the failed Job", ["job.name": name, "job.uid": uid])
        await audit(AuditEntry(action: "restart", accountID: nil, namespace: deps.namespace, jobName: name, jobUID: uid,
                               reason: "restart of the failed Job", details: ["step": "delete", "propagation_policy": "Foreground"]), restarted: nil)
    }

    /// Reads the Job whole and remembers it as the user made it. A restart's own create whose
    /// record was lost keeps the remembered manifest and failure count.
    private func remember(_ name: String, uid: String, previous: WatchedJob?) async throws {
        guard let full: JSONValue = try await client.get(.jobs, namespace: deps.namespace, name: name),
              full["metadata"]?["uid"]?.stringValue == uid else { return }  // replaced meanwhile: its event follows
        let ours = previous?.deletingUID != nil
        let entry = WatchedJob(name: name, manifest: ours ? previous!.manifest : ManifestSanitizer.stripServerFields(full), uid: uid,
                               consecutiveFailures: ours ? previous!.consecutiveFailures : 0)
        try await memory.save(entry)
        logger.info(previous == nil ? "watching a Job" : "watching a Job again (it was replaced)", ["job.name": name, "job.uid": uid])
        await trigger.request(account: name)  // it may have failed already
    }

    private func recordFailure(of job: JobSummary, uid: String, entry: WatchedJob, now: Date) async throws {
        let condition = job.trueCondition("Failed")
        let failure = try await inspector.inspect(jobName: job.name, uid: uid, namespace: deps.namespace,
                                                  failedAt: condition?.lastTransitionTime ?? now, conditionReason: condition?.reason,
                                                  conditionMessage: condition?.message, accountID: nil)
        var verdict = FailureVerdict.of(failure, previousConsecutiveFailures: entry.consecutiveFailures, accountActive: true,
                                        policy: deps.settings.restart.policy, escalation: deps.settings.restart.escalation,
                                        currentMemory: MemoryQuantity.largestContainerMemory(in: entry.manifest), now: now)
        var fresh = true
        if let history {
            do {
                if let recorded = try await history.record(failure, verdict: verdict, now: now) {
                    // Recorded by an earlier life of this restarter: keep what was decided then.
                    fresh = false
                    verdict.attempt = recorded.attempt
                    verdict.decision = recorded.restartAt.map { $0 <= now ? .now : .at($0) } ?? verdict.decision
                }
            } catch {
                metrics.increment("\(Self.prefix)_db_errors_total")
                logger.error("could not write the failure history; the restart goes ahead", ["job.name": job.name, "error": "\(error)"])
            }
        }
        var updated = entry
        updated.failedUID = uid
        updated.consecutiveFailures = verdict.attempt
        updated.restartAt = verdict.restartAt(now: now)
        if let memory = verdict.memoryOverride {
            updated.manifest = MemoryQuantity.settingContainerMemory(memory.description, in: entry.manifest)
        }
        // Due at once (SKIP_DELAY_ON_OOM, or seen only after its time): the restart's intent goes
        // in the same write as the failure, and the delete follows right away.
        let dueNow = updated.restartAt.map { $0 <= now } ?? false
        if dueNow { updated.deletingUID = uid }
        try await memory.save(updated)
        if fresh {
            metrics.increment("\(Self.prefix)_job_failures_total", labels: ["reason": failure.reason])
            FailureReport.log(failure, verdict: verdict, now: now, logger: logger)
            let event = verdict.event(for: failure, now: now)
            await events.warning(jobName: job.name, uid: uid, namespace: deps.namespace, reason: event.reason, message: event.message, now: now)
        }
        if dueNow {
            try await deleteForRestart(job.name, uid: uid)
        } else if let at = updated.restartAt {
            await trigger.schedule(account: job.name, at: at)
        }
    }

    private func create(_ entry: WatchedJob, now: Date) async throws {
        let created: KubeClient.MetadataOnly
        do {
            created = try await client.create(.jobs, namespace: deps.namespace, body: entry.manifest)
        } catch {
            guard error.isAlreadyExists else { throw error }
            // Never taken for done: the Job holding the name shows up in the watch, and is
            // remembered (or waited for) then.
            logger.info("restart: the name is still taken; waiting for the watch", ["job.name": entry.name])
            return
        }
        guard let uid = created.metadata.uid else { throw KubeError.invalidResponse("the created Job has no uid") }
        var updated = entry
        updated.uid = uid
        updated.deletingUID = nil
        updated.restartAt = nil
        try await memory.save(updated)
        metrics.increment("\(Self.prefix)_jobs_restarted_total")
        if let started = restartStarted.withLock({ $0.removeValue(forKey: entry.name) }) {
            metrics.observe("\(Self.prefix)_restart_duration_seconds", (ContinuousClock.now - started).seconds)
        }
        logger.info("restart: Job created again", ["job.name": entry.name, "job.uid": uid, "failure.attempt": String(entry.consecutiveFailures)])
        var details: [String: JSONValue] = ["step": "create"]
        if let old = entry.failedUID { details["old_uid"] = .string(old) }
        await audit(AuditEntry(action: "restart", accountID: nil, namespace: deps.namespace, jobName: entry.name, jobUID: uid,
                               reason: "restart of the failed Job", details: .object(details)),
                    restarted: entry.failedUID.map { ($0, now) })
    }

    private func audit(_ entry: AuditEntry, restarted: (jobUID: String, at: Date)?) async {
        guard let history else { return }
        do {
            try await history.restartStep(entry, restarted: restarted)
        } catch {
            metrics.increment("\(Self.prefix)_db_errors_total")
            await pending.add(entry.jobName ?? "") { try await history.restartStep(entry, restarted: restarted) }
        }
    }
}

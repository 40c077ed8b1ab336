import Common
import FoundationEssentials
import Kube
import TenantCore

/// What carrying out one work item did, for logs, metrics and the records written afterwards.
public struct ActionOutcome: Sendable {
    public var item: WorkItem
    public var result: ActionResult
    public var newUID: String?
    /// For a create: the spec hash of the Job rendered and sent.
    public var specHash: String?
    /// For a recorded failure: when its restart is due (the service looks at the account then).
    public var restartAt: Date?
    /// For a create or update with `RESOLVE_IMAGE_DIGESTS`: the digests its images were pinned to.
    public var pins: ImagePins?

    public init(item: WorkItem, result: ActionResult, newUID: String? = nil, restartAt: Date? = nil) {
        self.item = item
        self.result = result
        self.newUID = newUID
        self.restartAt = restartAt
    }
}

/// Carries out the cluster actions of a plan, then records the status row and audit entries
/// (`ActionRecords`). Every deletion uses Foreground propagation with the Job's uid as a
/// precondition, so a Job recreated under the same name meanwhile is never deleted by mistake.
/// A replacement (recreate, restart) is only its delete here: the successor is created by a
/// later pass once the watch shows the old Job gone, so no worker waits on a slow deletion.
public struct ActionExecutor: Sendable {
    /// What the restart logic needs besides the API and the database.
    public struct RestartSettings: Sendable {
        public var policy: RestartPolicy
        public var escalation: MemoryEscalation?

        public init(policy: RestartPolicy, escalation: MemoryEscalation?) {
            self.policy = policy
            self.escalation = escalation
        }
    }

    let client: KubeClient
    let store: any TenantStore
    let namespace: String
    /// `INSTANCE`: a Job without this instance's labels is never ours.
    let instance: String
    /// Renders each create's `JobOrder`, the only place a Job is rendered to be sent.
    let template: JobTemplate
    let inspector: FailureInspector
    let events: JobEvents
    let restarts: RestartSettings
    let logger: Logger
    let metrics: Metrics
    /// When each account's restart sent its delete, for the restart duration (delete → create).
    let restartStarted = Shared<[String: ContinuousClock.Instant]>([:])
    /// Records whose write failed, retried before each pass.
    public let pending = PendingRecords()

    public init(client: KubeClient, store: any TenantStore, namespace: String, instance: String, template: JobTemplate,
                inspector: FailureInspector, events: JobEvents, restarts: RestartSettings, logger: Logger, metrics: Metrics) {
        self.client = client
        self.store = store
        self.namespace = namespace
        self.instance = instance
        self.template = template
        self.inspector = inspector
        self.events = events
        self.restarts = restarts
        self.logger = logger
        self.metrics = metrics
    }

    public func run(_ item: WorkItem, now: Date = Date()) async -> ActionOutcome {
        let outcome: ActionOutcome
        switch item.action {
        case .create(let order, _, let completes):
            outcome = await create(order, item: item)
            if case .done = outcome.result { countCreate(completes, accountID: order.accountID) }
        case .delete(let name, let uid, _, _):
            outcome = await delete(name: name, uid: uid, item: item)
            if case .done = outcome.result { metrics.increment("tenant_provisioner_jobs_deleted_total") }
        case .recreate(let old, let order, _, _):
            outcome = await replace(old, item: item)
            if case .done = outcome.result, order.isImageRoll { metrics.increment("tenant_provisioner_image_rolls_total") }
        case .update(let old, let order, _, _):
            outcome = await update(old, to: order, item: item)
            if case .done = outcome.result {
                metrics.increment("tenant_provisioner_jobs_updated_total")
                if order.isImageRoll { metrics.increment("tenant_provisioner_image_rolls_total") }
            }
        case .restart(let old, let accountID, _):
            outcome = await replace(old, item: item)
            if case .done = outcome.result { restartStarted.withLock { $0[accountID] = .now } }
        case .recordFailure(let accountID, let job) where template.kind == .deployment:
            outcome = await recordRolloutFailure(of: job, accountID: accountID, item: item)
        case .recordFailure(let accountID, let job):
            outcome = await recordFailure(of: job, accountID: accountID, item: item, now: now)
        default:
            outcome = ActionOutcome(item: item, result: .unnecessary("not a cluster action"))
        }
        log(outcome)
        await record(outcome)
        return outcome
    }

    // MARK: the cluster actions

    /// Renders the order and sends it. The planner checked that it renders; a render error here
    /// (the account changed in between) is a refusal like a 422: reported, not retried until
    /// the account changes again.
    private func create(_ order: JobOrder, item: WorkItem) async -> ActionOutcome {
        let job: RenderedJob
        do {
            job = try template.render(order, namespace: namespace, instance: instance)
        } catch {
            return ActionOutcome(item: item, result: .rejected(error.problem))
        }
        do {
            let created: KubeClient.MetadataOnly = try await client.create(template.kind.resource, namespace: namespace, body: job.manifest)
            var outcome = ActionOutcome(item: item, result: .done, newUID: created.metadata.uid)
            outcome.specHash = job.specHash
            outcome.pins = order.pins.map { _ in job.pins }
            logUnpinned(job, order: order)
            return outcome
        } catch where error.isAlreadyExists {
            if let holder = await unmanagedHolder(of: order.name) {
                return ActionOutcome(item: item, result: .nameTaken(holder))
            }
            // Ours, and not what the cache showed when this was planned (a create of a moment ago
            // by another writer, or the old Job of a replacement not gone after all): never taken
            // for done; the account is planned again from what the watch shows next.
            return ActionOutcome(item: item, result: .unnecessary("a \(template.kind.rawValue) named \(order.name) already exists"))
        } catch where error.isInvalid || error.isForbidden {
            return ActionOutcome(item: item, result: .rejected(error.description))
        } catch {
            return ActionOutcome(item: item, result: .failed(error.description))
        }
    }

    /// SPEC: with no digest known yet, the workload goes out with the tag rather than not at all;
    /// the reason is said here (the resolver's warning says why the registry did not answer).
    private func logUnpinned(_ job: RenderedJob, order: JobOrder) {
        guard order.pins != nil else { return }
        let unresolved = job.pinning.compactMap { result -> String? in
            if case .unresolved(let reference) = result { return reference.key } else { return nil }
        }
        guard !unresolved.isEmpty else { return }
        logger.info("image not pinned: no digest known for its tag yet (the registry has not answered); created with the tag, rolled to the digest once it is known",
                    ["job.name": job.name, "account.id": job.accountID, "images": unresolved.joined(separator: ",")])
    }

    private func countCreate(_ completes: Replacement?, accountID: String) {
        switch completes {
        case nil:
            metrics.increment("tenant_provisioner_jobs_created_total")
        case .recreate:
            metrics.increment("tenant_provisioner_jobs_recreated_total")
        case .restart:
            metrics.increment("tenant_provisioner_jobs_restarted_total")
            if let started = restartStarted.withLock({ $0.removeValue(forKey: accountID) }) {
                metrics.observe("tenant_provisioner_restart_duration_seconds", (ContinuousClock.now - started).seconds)
            }
        }
    }

    /// The Job called `name` when it exists and lacks this instance's labels; nil when it is ours
    /// (the cache had not caught up yet), gone, or cannot be read (the next pass tries again).
    private func unmanagedHolder(of name: String) async -> ObservedJob? {
        guard let job: JobSummary = try? await client.get(template.kind.resource, namespace: namespace, name: name),
              !ManagedMetadata.isManaged(labels: job.labels, instance: instance) else { return nil }
        return ObservedJob(job, kind: template.kind)
    }

    private func delete(name: String, uid: String, item: WorkItem) async -> ActionOutcome {
        do {
            let deleted = try await client.delete(template.kind.resource, namespace: namespace, name: name, propagation: .foreground, preconditionUID: uid)
            return ActionOutcome(item: item, result: deleted ? .done : .unnecessary("the \(template.kind.rawValue) was already gone"))
        } catch where error.isConflict {
            return ActionOutcome(item: item, result: .unnecessary("the \(template.kind.rawValue) was replaced meanwhile (uid changed)"))
        } catch where error.isForbidden {
            return ActionOutcome(item: item, result: .rejected(error.description))
        } catch {
            return ActionOutcome(item: item, result: .failed(error.description))
        }
    }

    /// A Deployment's or CronJob's new spec, in place: the object is read for its
    /// resourceVersion, then replaced by the rendered one carrying that resourceVersion and the
    /// uid the plan saw, so a change made meanwhile (409) or an object replaced under the same
    /// name (uid precondition) is never overwritten; the next pass plans again from the watch.
    private func update(_ old: ObservedJob, to order: JobOrder, item: WorkItem) async -> ActionOutcome {
        let rendered: RenderedJob
        do {
            rendered = try template.render(order, namespace: namespace, instance: instance)
        } catch {
            return ActionOutcome(item: item, result: .rejected(error.problem))
        }
        let resource = template.kind.resource
        do {
            guard let current: KubeClient.MetadataOnly = try await client.get(resource, namespace: namespace, name: old.name) else {
                return ActionOutcome(item: item, result: .unnecessary("the \(template.kind.rawValue) is gone"))
            }
            guard current.metadata.uid == old.uid, let resourceVersion = current.metadata.resourceVersion else {
                return ActionOutcome(item: item, result: .unnecessary("the \(template.kind.rawValue) was replaced meanwhile (uid changed)"))
            }
            var body = rendered.manifest
            body["metadata"]?["resourceVersion"] = .string(resourceVersion)
            body["metadata"]?["uid"] = .string(old.uid)
            let _: KubeClient.MetadataOnly = try await client.update(resource, namespace: namespace, name: old.name, body: body)
            var outcome = ActionOutcome(item: item, result: .done)
            outcome.specHash = rendered.specHash
            outcome.pins = order.pins.map { _ in rendered.pins }
            logUnpinned(rendered, order: order)
            return outcome
        } catch where error.isConflict {
            return ActionOutcome(item: item, result: .unnecessary("the \(template.kind.rawValue) changed meanwhile (409); planned again from what the watch shows"))
        } catch where error.isInvalid || error.isForbidden {
            return ActionOutcome(item: item, result: .rejected(error.description))
        } catch {
            return ActionOutcome(item: item, result: .failed(error.description))
        }
    }

    /// The first half of a recreate or restart: what must survive a crash is written first
    /// (`ActionRecords.intent`), then the Job is deleted. Without the database nothing is deleted.
    private func replace(_ old: ObservedJob, item: WorkItem) async -> ActionOutcome {
        if let intent = ActionRecords.intent(item.action), let accountID = item.action.accountID {
            do {
                try await store.update(accountID: accountID, audit: []) { AccountStatus.applying(intent, to: $0, accountID: accountID) }
            } catch {
                metrics.increment("tenant_provisioner_db_errors_total")
                return ActionOutcome(item: item, result: .failed("database unavailable, the Job is left as it is: \(error)"))
            }
        }
        return await delete(name: old.name, uid: old.uid, item: item)
    }

    // MARK: failures

    /// Reads the failed Job's pods and logs, records the failure once (`job_failures`, status,
    /// audit), puts an Event on the Job and logs one line. The restart itself is planned later.
    private func recordFailure(of job: ObservedJob, accountID: String, item: WorkItem, now: Date) async -> ActionOutcome {
        let failedAt = job.failedAt ?? now
        do {
            // Recorded before, by this replica or another (the row may lag behind by a hand edit):
            // bring the row up to date without asking the API server anything.
            if let recorded = try await store.recordedFailure(jobUID: job.uid) {
                // A CronJob's run: the row keeps naming the CronJob, only the failure's time catches up.
                let change: StatusChange = template.kind == .cronJob
                    ? .runFailed(JobFailure(accountID: accountID, namespace: namespace, jobName: job.name, jobUID: job.uid, failedAt: failedAt,
                                            conditionReason: job.failedReason, conditionMessage: job.failedMessage, rows: []), attempt: recorded.attempt)
                    : .failureRecordedBefore(jobName: job.name, uid: job.uid, failedAt: failedAt, attempt: recorded.attempt, restartAt: recorded.restartAt)
                try await store.update(accountID: accountID, audit: []) { AccountStatus.applying(change, to: $0, accountID: accountID) }
                return ActionOutcome(item: item, result: .unnecessary("the failure was recorded before"), restartAt: recorded.restartAt)
            }
        } catch {
            metrics.increment("tenant_provisioner_db_errors_total")
            return ActionOutcome(item: item, result: .failed("database unavailable: \(error)"))
        }
        let failure: JobFailure
        do {
            failure = try await inspector.inspect(jobName: job.name, uid: job.uid, namespace: namespace, failedAt: failedAt,
                                                  conditionReason: job.failedReason, conditionMessage: job.failedMessage, accountID: accountID)
        } catch {
            return ActionOutcome(item: item, result: .failed("cannot read the failed Job's pods: \(error.description)"))
        }
        let template = self.template
        // The template's own memory, the start of an escalation: rendered only when one can happen.
        let templateMemory = restarts.escalation == nil || !failure.isOOMKilled ? nil
            : item.account.flatMap { try? template.render(account: $0, namespace: namespace, instance: instance) }
                .flatMap { MemoryQuantity.largestContainerMemory(in: $0.manifest) }
        let active = item.accountActive ?? false
        let restarts = self.restarts
        let cronJobRun = template.kind == .cronJob
        let verdict: FailureVerdict?
        do {
            verdict = try await store.recordFailure(failure, accountID: accountID, now: now, memoryBasis: template.contentHash,
                                                    cronJobRun: cronJobRun) { current in
                // A CronJob's run is never restarted: its next schedule runs again.
                if cronJobRun {
                    return FailureVerdict(attempt: (current?.consecutiveFailures ?? 0) + 1,
                                          decision: .never(reason: "a run of a CronJob: its next schedule runs again"))
                }
                let memory = current?.memoryOverride(for: template).flatMap(MemoryQuantity.init) ?? templateMemory
                return FailureVerdict.of(failure, previousConsecutiveFailures: current?.consecutiveFailures ?? 0, accountActive: active,
                                         policy: restarts.policy, escalation: restarts.escalation, currentMemory: memory, now: now)
            }
        } catch {
            // Nothing was written: a later pass reads the pods again and records it then.
            metrics.increment("tenant_provisioner_db_errors_total")
            return ActionOutcome(item: item, result: .failed("could not record the failure: \(error)"))
        }
        guard let verdict else {
            return ActionOutcome(item: item, result: .unnecessary("the failure was recorded meanwhile by another replica"))
        }
        metrics.increment("tenant_provisioner_job_failures_total", labels: ["reason": failure.reason])
        FailureReport.log(failure, verdict: verdict, now: now, logger: logger)
        let event = verdict.event(for: failure, now: now)
        await events.warning(jobName: job.name, uid: job.uid, namespace: namespace, reason: event.reason, message: event.message, now: now)
        return ActionOutcome(item: item, result: .done, restartAt: verdict.restartAt(now: now))
    }

    /// A Deployment that stopped progressing: its pods' containers (restart counts, last
    /// termination) go into the row's message with the condition, and one audit row. Pods that
    /// cannot be read leave the condition alone in the message.
    private func recordRolloutFailure(of object: ObservedJob, accountID: String, item: WorkItem) async -> ActionOutcome {
        let failedAt = object.failedAt ?? Date()
        let suffix = String(object.name.dropFirst(template.prefix.count + 1))
        let selector = ManagedMetadata.selector(instance: instance) + ",\(ManagedMetadata.accountLabel)=\(suffix)"
        var containers: [ContainerRestarts] = []
        do {
            let pods: KubeList<Pod> = try await client.listAll(.pods, namespace: namespace, labelSelector: selector)
            for pod in pods.items {
                for status in pod.status?.containerStatuses ?? [] {
                    containers.append(ContainerRestarts(pod: pod.metadata.name ?? "", container: status.name, restartCount: Int(status.restartCount ?? 0),
                                                        lastReason: status.lastState?.terminated?.reason, lastExitCode: status.lastState?.terminated?.exitCode,
                                                        waitingReason: status.state?.waiting?.reason))
                }
            }
        } catch {
            logger.warning("cannot read the pods of a Deployment that stopped progressing", ["k8s.deployment": object.name, "error": error.description])
        }
        let message = RolloutFailure.message(object, containers: containers)
        let change = StatusChange.rolloutFailed(jobName: object.name, uid: object.uid, at: failedAt, message: message)
        let audit = AuditEntry(action: "failure", accountID: accountID, namespace: namespace, jobName: object.name, jobUID: object.uid, reason: message,
                               details: ["reason": object.failedReason.map(JSONValue.string) ?? .null, "failed_at": .string(Timestamp.rfc3339(failedAt))])
        do {
            try await store.update(accountID: accountID, audit: [audit]) { AccountStatus.applying(change, to: $0, accountID: accountID) }
        } catch {
            metrics.increment("tenant_provisioner_db_errors_total")
            return ActionOutcome(item: item, result: .failed("could not record the Deployment's failure: \(error)"))
        }
        metrics.increment("tenant_provisioner_job_failures_total", labels: ["reason": object.failedReason ?? "ProgressDeadlineExceeded"])
        logger.warning("deployment not progressing", ["account.id": accountID, "k8s.deployment": object.name, "reason": message])
        return ActionOutcome(item: item, result: .done)
    }

    // MARK: records

    private func log(_ outcome: ActionOutcome) {
        let action = outcome.item.action
        if case .recordFailure = action, case .done = outcome.result { return }  // FailureReport logged it
        var meta: [String: String] = ["action": action.verb, "job.name": action.jobName ?? "", "reason": action.reason]
        if let id = action.accountID { meta["account.id"] = id }
        if let uid = outcome.newUID { meta["job.uid"] = uid }
        switch outcome.result {
        case .done: logger.info("job \(action.verb) done", meta)
        case .unnecessary(let why): logger.debug("job \(action.verb) not needed", meta.merging(["why": why]) { a, _ in a })
        case .rejected(let why): logger.error("job \(action.verb) rejected by the API server", meta.merging(["error": why]) { a, _ in a })
        case .failed(let why): logger.warning("job \(action.verb) failed; retried on a later pass", meta.merging(["error": why]) { a, _ in a })
        case .nameTaken: logger.debug("job \(action.verb) not done: a Job this provisioner does not manage holds the name", meta)
        }
    }

    private func record(_ outcome: ActionOutcome) async {
        let action = outcome.item.action
        let (change, audit) = ActionRecords.of(action, result: outcome.result, newUID: outcome.newUID, specHash: outcome.specHash,
                                               pins: outcome.pins, accountActive: outcome.item.accountActive,
                                               namespace: namespace)
        guard change != nil || !audit.isEmpty else { return }
        let restarted: (jobUID: String, at: Date)? = switch (action, outcome.result) {
        case (.create(_, _, .restart(let oldUID?)), .done): (oldUID, Date())
        default: nil
        }
        let accountID = action.accountID
        do {
            try await Self.persist(store, accountID: accountID, audit: audit, restarted: restarted, change: change)
        } catch {
            metrics.increment("tenant_provisioner_db_errors_total")
            logger.error("could not record a Job action in the database; kept in memory and written when the database is back",
                         ["error": "\(error)", "job.name": action.jobName ?? ""])
            // Written later: the row says when it really happened.
            var late = audit
            let occurred = JSONValue.string(Timestamp.rfc3339Millis(Date()))
            for i in late.indices { late[i].details["occurred_at"] = occurred }
            let store = self.store
            let delayed = late
            await pending.add(action.jobName ?? "") {
                try await Self.persist(store, accountID: accountID, audit: delayed, restarted: restarted, change: change)
            }
        }
    }

    private static func persist(_ store: any TenantStore, accountID: String?, audit: [AuditEntry], restarted: (jobUID: String, at: Date)?,
                                change: StatusChange?) async throws {
        if let accountID {
            try await store.update(accountID: accountID, audit: audit, restarted: restarted) { current in
                guard let change else { return nil }
                let updated = AccountStatus.applying(change, to: current, accountID: accountID)
                return updated == current ? nil : updated
            }
        } else {
            try await store.record(statuses: [], audit: audit)
        }
    }
}

import Common
import Foundation
import Kube
import TenantCore

/// What carrying out one work item did, for logs, metrics and the records written afterwards.
public struct ActionOutcome: Sendable {
    public enum Result: Sendable, Equatable {
        case done
        /// Nothing to do after all (already gone, already exists, precondition no longer true).
        case unnecessary(String)
        /// The old Job is still being deleted; a later pass finishes the recreate.
        case pending(String)
        /// The API server refused for good (422, 403): not retried until the spec changes.
        case rejected(String)
        /// A Job this instance does not manage already holds the name. The label-selected cache
        /// never shows such Jobs, so only a create's 409 reveals them; the reconciler reports it.
        case nameTaken(ObservedJob)
        /// A transient failure that outlived the client's retries; a later pass tries again.
        case failed(String)
    }

    public var item: WorkItem
    public var result: Result
    public var newUID: String?
}

/// Carries out create, delete and recreate against the API server, then records the status row
/// and audit entry. Every deletion uses Foreground propagation with the Job's uid as a
/// precondition, so a Job recreated under the same name meanwhile is never deleted by mistake.
public struct ActionExecutor: Sendable {
    let client: KubeClient
    let cache: JobCache
    let store: ProvisionerStore
    let namespace: String
    /// `INSTANCE`: a Job without this instance's labels is never ours.
    let instance: String
    let recreateTimeout: Double
    /// Renders the manifests the planner left out (see `DesiredJobCache.defersManifests`).
    let template: JobTemplate
    let logger: Logger
    let metrics: Metrics
    /// Records whose write failed, retried before each pass.
    public let pending = PendingRecords()

    public init(client: KubeClient, cache: JobCache, store: ProvisionerStore, namespace: String, instance: String, recreateTimeout: Double,
                template: JobTemplate, logger: Logger, metrics: Metrics) {
        self.template = template
        self.client = client
        self.cache = cache
        self.store = store
        self.namespace = namespace
        self.instance = instance
        self.recreateTimeout = recreateTimeout
        self.logger = logger
        self.metrics = metrics
    }

    public func run(_ item: WorkItem) async -> ActionOutcome {
        let outcome: ActionOutcome
        switch item.action {
        case .create(let desired, _):
            outcome = await create(desired, item: item)
            // Counted here, not in `create`, so the create half of a recreate is not counted twice.
            if case .done = outcome.result { metrics.increment("tenant_provisioner_jobs_created_total") }
        case .delete(let name, let uid, _, _):
            outcome = await delete(name: name, uid: uid, item: item)
        case .recreate(let old, let desired, _):
            outcome = await recreate(old: old, desired: desired, item: item)
        default:
            outcome = ActionOutcome(item: item, result: .unnecessary("not a cluster action"))
        }
        log(outcome)
        await record(outcome)
        return outcome
    }

    // MARK: the three cluster actions

    private func create(_ desired: DesiredJob, item: WorkItem) async -> ActionOutcome {
        let manifest: JSONValue
        if desired.manifest != .null {
            manifest = desired.manifest
        } else if let account = item.account {
            do {
                manifest = try template.render(account: account, namespace: namespace, instance: instance, memoryOverride: item.memoryOverride).manifest
            } catch {
                return ActionOutcome(item: item, result: .failed(error.description))
            }
        } else {
            return ActionOutcome(item: item, result: .failed("internal error: neither a manifest nor the account to render it from"))
        }
        do {
            let created: KubeClient.MetadataOnly = try await client.create(.jobs, namespace: namespace, body: manifest)
            return ActionOutcome(item: item, result: .done, newUID: created.metadata.uid)
        } catch where error.isAlreadyExists {
            if let holder = await unmanagedHolder(of: desired.name) {
                return ActionOutcome(item: item, result: .nameTaken(holder))
            }
            // The cache had not caught up with a create of a moment ago; the next pass sees it.
            return ActionOutcome(item: item, result: .unnecessary("a Job named \(desired.name) already exists"))
        } catch where error.isInvalid || error.isForbidden {
            return ActionOutcome(item: item, result: .rejected(error.description))
        } catch {
            return ActionOutcome(item: item, result: .failed(error.description))
        }
    }

    /// The Job called `name` when it exists and lacks this instance's labels; nil when it is ours
    /// (the cache had not caught up yet), gone, or cannot be read (the next pass tries again).
    private func unmanagedHolder(of name: String) async -> ObservedJob? {
        guard let job: JobSummary = try? await client.get(.jobs, namespace: namespace, name: name),
              !ManagedMetadata.isManaged(labels: job.labels, instance: instance) else { return nil }
        return ObservedJob(job)
    }

    private func delete(name: String, uid: String, item: WorkItem) async -> ActionOutcome {
        switch await foregroundDelete(name: name, uid: uid, item: item) {
        case .deleting:
            metrics.increment("tenant_provisioner_jobs_deleted_total")
            return ActionOutcome(item: item, result: .done)
        case .alreadyGone:
            return ActionOutcome(item: item, result: .unnecessary("the Job was already gone"))
        case .stop(let outcome):
            return outcome
        }
    }

    private enum DeleteStart {
        case deleting, alreadyGone
        case stop(ActionOutcome)
    }

    /// Starts a Foreground deletion guarded by the uid; a 409 means the Job was replaced meanwhile.
    private func foregroundDelete(name: String, uid: String, item: WorkItem) async -> DeleteStart {
        do {
            let deleted = try await client.delete(.jobs, namespace: namespace, name: name, propagation: .foreground, preconditionUID: uid)
            return deleted ? .deleting : .alreadyGone
        } catch where error.isConflict {
            return .stop(ActionOutcome(item: item, result: .unnecessary("the Job was replaced meanwhile (uid changed)")))
        } catch where error.isForbidden {
            return .stop(ActionOutcome(item: item, result: .rejected(error.description)))
        } catch {
            return .stop(ActionOutcome(item: item, result: .failed(error.description)))
        }
    }

    /// Foreground delete, wait until the Job is really gone (the watch cache says so), create.
    /// A Job's pod template is immutable, so replacing is the only way to change it.
    private func recreate(old: ObservedJob, desired: DesiredJob, item: WorkItem) async -> ActionOutcome {
        if case .stop(let outcome) = await foregroundDelete(name: old.name, uid: old.uid, item: item) { return outcome }
        guard await cache.waitUntilGone(name: old.name, timeout: recreateTimeout) else {
            return ActionOutcome(item: item, result: .pending("the old Job is still being deleted after \(Int(recreateTimeout)) s; it is created again once it is gone"))
        }
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await create(desired, item: item)
            // A 409 right after the old Job vanished from the cache: the cache saw DELETED before
            // the create raced in, or another writer created it. Check again rather than assume.
            if case .unnecessary = outcome.result, attempt < 3 {
                try? await Task.sleep(nanoseconds: 500_000_000)
                if cache.job(named: desired.name) == nil { continue }
            }
            if case .done = outcome.result {
                metrics.increment("tenant_provisioner_jobs_recreated_total")
            }
            return outcome
        }
    }

    // MARK: records

    private func log(_ outcome: ActionOutcome) {
        let action = outcome.item.action
        var meta: [String: String] = ["action": action.verb, "job.name": action.jobName ?? "", "reason": action.reason]
        if let id = action.accountID { meta["account.id"] = id }
        if let uid = outcome.newUID { meta["job.uid"] = uid }
        switch outcome.result {
        case .done: logger.info("job \(action.verb) done", meta)
        case .unnecessary(let why): logger.debug("job \(action.verb) not needed", meta.merging(["why": why]) { a, _ in a })
        case .pending(let why): logger.info("job \(action.verb) waits", meta.merging(["why": why]) { a, _ in a })
        case .rejected(let why): logger.error("job \(action.verb) rejected by the API server", meta.merging(["error": why]) { a, _ in a })
        case .failed(let why): logger.warning("job \(action.verb) failed; retried on a later pass", meta.merging(["error": why]) { a, _ in a })
        case .nameTaken: logger.debug("job \(action.verb) not done: a Job this provisioner does not manage holds the name", meta)
        }
    }

    private func record(_ outcome: ActionOutcome) async {
        let action = outcome.item.action
        guard let accountID = action.accountID else {
            // A Job that named no account: only the audit row.
            if case .done = outcome.result { await write(accountID: nil, outcome: outcome) }
            return
        }
        await write(accountID: accountID, outcome: outcome)
    }

    private func write(accountID: String?, outcome: ActionOutcome) async {
        let audit = Self.auditEntries(outcome, namespace: namespace)
        let change = Self.statusChange(outcome)
        do {
            try await Self.persist(store, accountID: accountID, audit: audit, change: change)
        } catch {
            metrics.increment("tenant_provisioner_db_errors_total")
            logger.error("could not record a Job action in the database; kept in memory and written when the database is back",
                         ["error": "\(error)", "job.name": outcome.item.action.jobName ?? ""])
            // Written later: the row says when it really happened.
            var late = audit
            let occurred = JSONValue.string(Timestamp.rfc3339Millis(Date()))
            for i in late.indices { late[i].details["occurred_at"] = occurred }
            let store = self.store
            let delayed = late
            await pending.add(outcome.item.action.jobName ?? "") {
                try await Self.persist(store, accountID: accountID, audit: delayed, change: change)
            }
        }
    }

    private static func persist(_ store: ProvisionerStore, accountID: String?, audit: [AuditEntry],
                                change: @escaping @Sendable (AccountStatus?, String) -> AccountStatus?) async throws {
        if let accountID {
            try await store.update(accountID: accountID, audit: audit) { change($0, accountID) }
        } else {
            try await store.record(statuses: [], audit: audit)
        }
    }

    static func auditEntries(_ outcome: ActionOutcome, namespace: String) -> [AuditEntry] {
        let action = outcome.item.action
        var details: [String: JSONValue] = [:]
        var oldUID: String?
        switch action {
        case .delete(_, let uid, _, _): oldUID = uid
        case .recreate(let old, let desired, _):
            oldUID = old.uid
            details["old_uid"] = .string(old.uid)
            details["spec_hash"] = .string(desired.specHash)
        case .create(let desired, _):
            details["spec_hash"] = .string(desired.specHash)
            details["generation"] = .integer(desired.generation)
        default: break
        }
        switch outcome.result {
        case .done:
            details["result"] = "done"
            if case .delete = action { details["propagation_policy"] = "Foreground" }
        case .rejected(let why):
            details["result"] = "rejected"
            details["error"] = .string(why)
        case .pending(let why):
            details["result"] = "pending"
            details["note"] = .string(why)
        case .unnecessary, .failed, .nameTaken:
            return []  // nothing changed on the cluster (a name conflict is audited by the reconciler)
        }
        return [AuditEntry(action: action.verb, accountID: action.accountID, namespace: namespace, jobName: action.jobName,
                           jobUID: outcome.newUID ?? oldUID, reason: action.reason, details: .object(details))]
    }

    /// The account's status row after the outcome (nil: leave it).
    static func statusChange(_ outcome: ActionOutcome) -> @Sendable (AccountStatus?, String) -> AccountStatus? {
        let item = outcome.item
        return { current, accountID in
            var status = current ?? AccountStatus(accountID: accountID, phase: .pending)
            switch (item.action, outcome.result) {
            case (.create(let desired, _), .done), (.recreate(_, let desired, _), .done):
                status.jobName = desired.name
                status.jobUID = outcome.newUID
                status.phase = .pending
                status.observedGeneration = desired.generation
                status.nextRestartAt = nil
                status.message = nil
            case (.delete(let name, let uid, _, _), .done), (.delete(let name, let uid, _, _), .unnecessary):
                status.jobName = name
                status.jobUID = uid
                status.phase = item.accountActive == false ? .inactive : .deleting
                status.nextRestartAt = nil
                status.message = nil
            case (.recreate(let old, _, _), .pending(let why)):
                status.jobName = old.name
                status.phase = .deleting
                status.message = why
            case (_, .rejected(let why)), (_, .failed(let why)):
                status.message = why
            case (_, .unnecessary), (_, .pending), (_, .nameTaken):
                return nil
            case (_, .done):
                return nil
            }
            return status == current ? nil : status
        }
    }
}

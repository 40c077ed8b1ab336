import Common
import FoundationEssentials
import Kube
import Postgres
import SchemaMigrator
import TenantCore

/// What one pass did, for logs, metrics, `provisioner plan` and tests.
public struct PassReport: Sendable {
    public var plan: Plan
    public var enqueued: Int
    public var statusesWritten: Int
    public var duration: Double
    /// After a full pass: the restarts scheduled for later, by account, so the service looks at
    /// each account when its restart is due instead of at the next poll.
    public var scheduledRestarts: [String: Date] = [:]

    public init(plan: Plan, enqueued: Int, statusesWritten: Int, duration: Double) {
        self.plan = plan
        self.enqueued = enqueued
        self.statusesWritten = statusesWritten
        self.duration = duration
    }
}

/// Why a pass did nothing at all.
public enum PassError: Error, CustomStringConvertible, Sendable {
    case database(String)
    case schemaBehind(current: Int?, required: Int)
    case cacheNotSynced

    public var description: String {
        switch self {
        case .database(let why): "database unavailable: \(why)"
        case .schemaBehind(let current, let required):
            "the database schema is at version \(current.map(String.init) ?? "none"), this provisioner needs \(required): run `migrate up` first (in deploy/, the init container of the provisioner pods does)"
        case .cacheNotSynced: "the Job cache has not finished its first list from the Kubernetes API yet"
        }
    }
}

/// One reconcile pass: read the database, read the watch cache, plan (pure), hand cluster changes
/// to the action queue and write the records a pass makes itself (successes, failures, conflicts,
/// phases). A pass that cannot read the database or the cache changes nothing.
public actor Reconciler {
    public struct Options: Sendable {
        public var namespace: String
        public var instance: String
        public var rerunAfterSuccess: Double?
        public var restart: RestartPolicy
        public var dryRun: Bool
        /// `MAX_RUNNING_JOBS`: nil runs every account's Job at once.
        public var maxRunningJobs: Int?
        /// `RESOLVE_IMAGE_DIGESTS`: the image keys the template names (nil: pinning is off) and
        /// `MAX_IMAGE_ROLLS_PER_PASS`.
        public var imageKeys: [String]?
        public var maxImageRollsPerPass: Int

        public init(namespace: String, instance: String, rerunAfterSuccess: Double?, restart: RestartPolicy = RestartPolicy(), dryRun: Bool,
                    maxRunningJobs: Int? = nil, imageKeys: [String]? = nil, maxImageRollsPerPass: Int = 10) {
            self.namespace = namespace
            self.instance = instance
            self.rerunAfterSuccess = rerunAfterSuccess
            self.restart = restart
            self.dryRun = dryRun
            self.maxRunningJobs = maxRunningJobs
            self.imageKeys = imageKeys
            self.maxImageRollsPerPass = maxImageRollsPerPass
        }
    }

    let store: any TenantStore
    let cache: any JobSource
    /// With a CronJob template: the Jobs its CronJobs create (same labels), whose outcomes are
    /// recorded. Nil for the other kinds.
    let runs: (any JobSource)?
    let queue: ActionQueue
    let template: JobTemplate
    let options: Options
    let logger: Logger
    let metrics: Metrics
    private var deleteBudget: IntervalBudget
    /// `MAX_IMAGE_ROLLS_PER_PASS` over the same window as the deletions.
    private var rollBudget: IntervalBudget
    /// `RESOLVE_IMAGE_DIGESTS`: the latest digest of each image the template names, as the
    /// resolver last knew them (`setImageDigests`); nil when pinning is off.
    private var latestImages: ImagePins?
    /// The image-digest gauge's series set last time, so a digest no tenant runs any more reads 0.
    private var digestSeries: Set<[String: String]> = []
    /// The spec hash each account's Job should have, by render key: filled by the planner when it
    /// compares a Job it has no hash for, and by `note` from every Job the executor created.
    private var memo = PlanMemo()
    /// Full account rows by id, refreshed only when the generation changes.
    private var accounts: [String: Account] = [:]
    private var schemaChecked = false
    /// Creates refused for good (by the API server, or the render), by account, with the render
    /// key refused: not retried every pass, only once the account or its memory override changes.
    private var rejected: [String: RenderKey] = [:]
    /// Jobs without our labels that hold an account's Job name, learned from a create's 409 (the
    /// label-selected cache never sees them), by name. The planner reports them as conflicts;
    /// after `foreignJobRecheck` seconds the create is tried again, so a removed one is noticed.
    private var foreignJobs: [String: (job: ObservedJob, until: Date)] = [:]
    static let foreignJobRecheck: TimeInterval = 300
    /// The cache's Jobs as the planner wants them, updated from the cache's changes at the start
    /// of each pass instead of rebuilt (`jobRevision`: the cache revision it reflects).
    private var jobIndex: JobIndex
    private var jobRevision: UInt64?
    /// `runs` as the planner wants them, kept like `jobIndex`.
    private var runIndex: JobIndex?
    private var runRevision: UInt64?
    /// Full passes since `account_status` was last read in full. Between full reads the pass uses
    /// the store's mirror of the table (the leader is its only writer); every
    /// `statusReloadInterval`-th full pass reads it again, so a row edited by hand is seen within
    /// that many passes.
    private var passesSinceStatusReload = 0
    static let statusReloadInterval = 10
    /// The accounts the next full pass plans when it does not plan every account: those whose
    /// row, Jobs or status changed since the last pass (a worker's outcome, a NOTIFY pass), and
    /// those whose last plan was not empty or depends on the clock (a restart or rerun to come).
    /// Every other account planned to nothing last time and would again: an idle pass over
    /// 10,000 accounts plans none of them.
    private var attention: Set<String> = []
    /// `accountsFingerprint` when the account rows were last read: while it stays the same, a
    /// pass does not read the rows' generations (10,000 rows) to learn that nothing changed.
    private var accountsFingerprint: String?
    /// Plan every account on the next full pass: the first one, a new leadership term, a Job
    /// list rebuilt from scratch. Every `statusReloadInterval`-th pass does too, as a safety net.
    private var needsFullPlan = true
    /// Creates carried out since freed memory was last returned: a burst of creates (10,000
    /// request bodies and responses) leaves its garbage in malloc's arenas until then.
    private var createsSinceTrim = 0
    static let createsPerTrim = 1_000
    /// Under `MAX_RUNNING_JOBS`: the planned create of each account waiting for a slot, replaced
    /// by every pass that plans the account again (they all stay in `attention`).
    private var heldCreates: [String: PlannedAction] = [:]
    /// Creates let through but not yet seen in the Job index, by account: they hold a slot until
    /// the watch shows their Job (then the index counts it), the create fails, or `inFlightLimit`
    /// passed (a Job deleted before the watch ever showed it must not hold a slot for ever).
    private var slotsInFlight: [String: (name: String, until: Date)] = [:]
    static let inFlightLimit: TimeInterval = 120
    /// Tests only: awaited inside the detached full plan, so a test can hold it there while an
    /// account pass runs.
    var fullPlanStarted: (@Sendable () async -> Void)?
    func setFullPlanStarted(_ hook: @escaping @Sendable () async -> Void) { fullPlanStarted = hook }

    public init(store: any TenantStore, cache: any JobSource, runs: (any JobSource)? = nil, queue: ActionQueue, template: JobTemplate, options: Options,
                deleteBudget: IntervalBudget, logger: Logger, metrics: Metrics) {
        self.store = store
        self.cache = cache
        self.runs = runs
        self.runIndex = runs == nil ? nil : JobIndex(instance: options.instance)
        self.queue = queue
        self.template = template
        self.options = options
        self.deleteBudget = deleteBudget
        self.rollBudget = IntervalBudget(limit: options.maxImageRollsPerPass, window: deleteBudget.window)
        self.latestImages = options.imageKeys == nil ? nil : ImagePins()
        self.logger = logger
        self.metrics = metrics
        self.jobIndex = JobIndex(instance: options.instance)
    }

    /// Called by the workers: a rejected create is remembered so it is not retried in a loop, and
    /// a Job we do not manage holding an account's name is remembered so passes report it.
    public func note(_ outcome: ActionOutcome, now: Date = Date()) {
        guard let accountID = outcome.item.action.accountID else { return }
        // Whatever the worker did or wrote, the account is planned again on the next pass.
        attention.insert(accountID)
        switch (outcome.item.action, outcome.result) {
        case (_, .nameTaken(let holder)):
            foreignJobs[holder.name] = (holder, now + Self.foreignJobRecheck)
        case (.create(let order, _, _), .rejected), (.update(_, let order, _, _), .rejected):
            rejected[accountID] = order.key
            slotsInFlight[accountID] = nil
        case (.create(let order, _, _), .done), (.update(_, let order, _, _), .done):
            rejected[accountID] = nil
            // The Job just sent carries this hash: the next pass compares without rendering.
            if let hash = outcome.specHash { memo.remember(hash, accountID: accountID, key: order.key) }
            createsSinceTrim += 1
            if createsSinceTrim >= Self.createsPerTrim {
                createsSinceTrim = 0
                FreedMemory.returnToSystem()
            }
        case (.create, _):
            // Not created (an API error, the name taken): its slot is free again.
            slotsInFlight[accountID] = nil
        default: break
        }
    }

    /// Call when this replica becomes the leader: re-checks the schema and reads `account_status`
    /// in full on the next pass (another replica may have written it meanwhile).
    public func leadershipGained() {
        schemaChecked = false
        needsFullPlan = true
        store.invalidateStatusMirror()
        // The full pass re-plans every waiting create; the Jobs our creates made are in the index.
        heldCreates = [:]
        slotsInFlight = [:]
    }

    // MARK: passes

    /// A full pass: every account is looked at. Planned in full on the first pass, every
    /// `statusReloadInterval`-th one and after the Job list was rebuilt; otherwise only the
    /// accounts that need `attention` are planned, each by the same rules (`Planner.plan(ids:…)`).
    public func fullPass(now: Date = Date()) async throws(PassError) -> PassReport {
        let started = ContinuousClock.now
        try await checkSchema()
        let statuses: [String: AccountStatus]
        let reload = passesSinceStatusReload >= Self.statusReloadInterval
        do {
            try await refreshAccounts(readRows: reload || needsFullPlan)
            statuses = try await store.mirroredStatuses(reload: reload)
            passesSinceStatusReload = reload ? 1 : passesSinceStatusReload + 1
        } catch {
            throw .database(error.description)
        }
        guard cache.hasSynced, runs?.hasSynced != false else { throw .cacheNotSynced }
        refreshJobIndex(now: now)
        // What changes from here on (workers' outcomes while this pass waits) is for the next pass.
        // An account whose action waits in the queue or runs is left out: its outcome brings it
        // back (`note`). During a convergence of 100,000 creates, passes would otherwise re-plan
        // the whole backlog every `POLL_INTERVAL`.
        let planAll = needsFullPlan || reload
        let busy = planAll ? [] : await queue.busyKeys()
        let ids = attention.subtracting(busy)
        attention.subtract(ids)
        needsFullPlan = false
        let plan: Plan
        let looked: [String: AccountStatus]
        // The plan and the phase updates below see one Job index, this one.
        let index = jobIndex
        let accounts = self.accounts
        if planAll {
            plan = await planEveryAccount(accounts: accounts, index: index, statuses: statuses, now: now)
            looked = statuses
        } else {
            plan = Planner.plan(ids: ids, accounts: accounts, index: index, runs: runIndex, statuses: statuses, template: template,
                                namespace: options.namespace, policy: policy(now: now), now: now, memo: &memo)
            var some: [String: AccountStatus] = [:]
            for id in ids { some[id] = statuses[id] }
            looked = some
        }
        metrics.increment("tenant_provisioner_accounts_planned_total", by: Double(planAll ? accounts.count : ids.count))
        attention.formUnion(needingAttention(after: plan, statuses: looked))
        let observedPhases = options.dryRun ? [] : ObservedStatus.updates(index: index, statuses: looked, kind: template.kind, isActive: { id in
            accounts.index(forKey: id).map { accounts.values[$0].isActive }
        })
        var report: PassReport
        do {
            report = try await carryOut(plan, planned: planAll ? nil : ids, statuses: statuses, extraStatuses: observedPhases, urgent: false,
                                        started: started, now: now)
        } catch {
            // Nothing of this pass was recorded: the next one looks at the same accounts again.
            attention.formUnion(ids)
            if planAll { needsFullPlan = true }
            throw error
        }
        // On a pass over some accounts, `looked` still holds every restart_scheduled row: those
        // accounts are always planned (`needingAttention`), so the waiting-restarts gauge is whole.
        report.scheduledRestarts = scheduledRestarts(looked, now: now)
        reportImages(plan, index: index)
        return report
    }

    /// Called after a full pass returned, once what it built is freed (status rows, the plan, the
    /// request bodies of the creates it caused): glibc would keep that memory in its arenas. The
    /// heap gauge read here is the steady state; read inside the pass, it counted the pass's own
    /// copies too (a status table copied by a write meanwhile: ±1.8 MB from one pass to the next).
    public func releaseMemory() {
        FreedMemory.returnToSystem()
        createsSinceTrim = 0
        metrics.set("tenant_provisioner_heap_in_use_bytes", Double(FreedMemory.heapInUse()))
    }

    /// The NOTIFY path: one account, by the same rules, its cluster changes ahead of any backlog.
    public func accountPass(accountID: String, now: Date = Date()) async throws(PassError) -> PassReport {
        let started = ContinuousClock.now
        try await checkSchema()
        let account: Account?
        let status: AccountStatus?
        do {
            account = try await store.account(id: accountID)
            status = try await store.mirroredStatuses(ids: [accountID])[accountID]
        } catch {
            throw .database(error.description)
        }
        accounts[accountID] = account
        // The next full pass looks at it again (it plans from the generation it remembers).
        attention.insert(accountID)
        guard cache.hasSynced, runs?.hasSynced != false else { throw .cacheNotSynced }
        refreshJobIndex(now: now)
        let plan = Planner.plan(account: account, accountID: accountID, index: jobIndex, runs: runIndex, status: status, template: template,
                                namespace: options.namespace, policy: policy(now: now), now: now, memo: &memo)
        let statuses = status.map { [accountID: $0] } ?? [:]
        // A Deployment's availability is mirrored as soon as its conditions change (the watch
        // brings the account here), not at the next poll.
        let observed = options.dryRun || template.kind != .deployment ? [] : ObservedStatus.updates(
            index: jobIndex, statuses: statuses, kind: template.kind, isActive: { _ in account?.isActive })
        return try await carryOut(plan, planned: [accountID], statuses: statuses, extraStatuses: observed, urgent: true,
                                  started: started, now: now)
    }

    /// Brings `jobIndex` up to the cache (only the Jobs changed since the last pass) and sets the
    /// unmanaged name holders still remembered.
    private func refreshJobIndex(now: Date) {
        let (revision, updates) = cache.updates(since: jobRevision)
        apply(updates, to: &jobIndex, kind: template.kind)
        jobRevision = revision
        // With a CronJob template, its runs the same way.
        if let runs, var index = runIndex {
            let (revision, updates) = runs.updates(since: runRevision)
            apply(updates, to: &index, kind: .job)
            runIndex = index
            runRevision = revision
        }
        jobIndex.unmanagedHolders = [:]
        foreignJobs = foreignJobs.filter { $0.value.until > now && jobIndex.job(named: $0.key) == nil }
        jobIndex.unmanagedHolders = foreignJobs.mapValues(\.job)
    }

    /// Applies a cache's updates to `index`: the accounts whose objects changed need attention
    /// (the one an object belonged to and the one it belongs to now); a rebuilt list plans every account.
    private func apply(_ updates: JobCacheUpdates, to index: inout JobIndex, kind: WorkloadKind) {
        switch updates {
        case .everything(let jobs):
            index = JobIndex(instance: options.instance, jobs: jobs.values.lazy.map { ObservedJob($0, kind: kind) })
            needsFullPlan = true
        case .changed(let changed):
            for (name, job) in changed {
                if let before = index.job(named: name)?.accountID { attention.insert(before) }
                if let job {
                    let observed = ObservedJob(job, kind: kind)
                    if let after = observed.accountID { attention.insert(after) }
                    index.upsert(observed)
                } else {
                    index.remove(named: name)
                }
            }
        }
    }

    /// A plan of every account, made off the actor: about a second at 100,000 accounts, during
    /// which NOTIFY passes and the workers' outcomes go on instead of waiting. The planner is pure
    /// and gets values; the memo is lent to it meanwhile (an account pass in between plans with an
    /// empty memo, which costs it one render, and what it adds is dropped when the memo returns).
    /// A plan that is a moment old is safe to carry out: the queue holds one action per account,
    /// and every action rechecks on the API server (uid preconditions, 409 on create).
    private func planEveryAccount(accounts: [String: Account], index: JobIndex, statuses: [String: AccountStatus], now: Date) async -> Plan {
        var lent = PlanMemo()
        swap(&lent, &memo)
        let (template, namespace, policy, started, runs) = (template, options.namespace, policy(now: now), fullPlanStarted, runIndex)
        let (plan, returned) = await Task.detached {
            await started?()
            var memo = lent
            let plan = Planner.plan(accounts: accounts, index: index, runs: runs, statuses: statuses, template: template,
                                    namespace: namespace, policy: policy, now: now, memo: &memo)
            return (plan, memo)
        }.value
        memo = returned
        return plan
    }

    /// The accounts a pass must plan again next time although nothing about them changes:
    /// those with an action in this plan (a create waiting in the queue, a wait, a conflict, a
    /// deferred deletion) and those whose plan depends on the clock (a failed Job's restart, a
    /// completed Job's rerun, a replacement under way).
    private func needingAttention(after plan: Plan, statuses: [String: AccountStatus]) -> Set<String> {
        var ids = Set(plan.actions.compactMap(\.accountID))
        for (id, status) in statuses {
            switch status.phase {
            case .failed, .restartScheduled, .deleting: ids.insert(id)
            case .succeeded where options.rerunAfterSuccess != nil: ids.insert(id)
            default: break
            }
        }
        return ids
    }

    private func policy(now: Date) -> PlanPolicy {
        PlanPolicy(instance: options.instance, deleteBudget: deleteBudget.remaining(now: now), rerunAfterSuccess: options.rerunAfterSuccess,
                   restart: options.restart, images: latestImages.map { ImagePolicy(latest: $0, rollBudget: rollBudget.remaining(now: now)) })
    }

    // MARK: image digests

    /// The resolver's digests (`RESOLVE_IMAGE_DIGESTS`), by image key; those of the template's
    /// images are what creates and rolls pin to from now on. True when they changed (a tag moved,
    /// a first digest came): the next full pass then plans every account, so every tenant that
    /// has to roll is seen.
    @discardableResult
    public func setImageDigests(_ table: [String: String]) -> Bool {
        guard let keys = options.imageKeys else { return false }
        let latest = ImagePins(table).restricted(to: keys)
        guard latest != latestImages else { return false }
        latestImages = latest
        needsFullPlan = true
        return true
    }

    /// `/metrics` after a full pass with pinning on: the tenants waiting to roll, and how many
    /// workloads run each digest of each image (by their image-digests annotation; one series per
    /// image and digest, not per tenant, so 10,000 tenants on one digest are one series).
    private func reportImages(_ plan: Plan, index: JobIndex) {
        guard latestImages != nil else { return }
        metrics.set("tenant_provisioner_image_rolls_waiting", Double(plan.summary.rollsPending))
        var byText: [String: Int] = [:]
        for job in index.jobs where job.isManaged(instance: options.instance) && !job.isTerminating {
            byText[job.annotations[ManagedMetadata.imageDigestsAnnotation] ?? "{}", default: 0] += 1
        }
        var counts: [[String: String]: Int] = [:]
        for (text, count) in byText {
            for (image, digest) in ImagePins(annotation: text)?.digests ?? [:] { counts[["image": image, "digest": digest], default: 0] += count }
        }
        for series in digestSeries.subtracting(counts.keys) { metrics.set("tenant_provisioner_image_digest_workloads", 0, labels: series) }
        for (series, count) in counts { metrics.set("tenant_provisioner_image_digest_workloads", Double(count), labels: series) }
        digestSeries = Set(counts.keys)
    }

    private func checkSchema() async throws(PassError) {
        guard !schemaChecked else { return }
        let current: Int?
        do {
            current = try await store.schemaVersion()
        } catch {
            throw .database(error.description)
        }
        guard let current, current >= SchemaMigrator.requiredVersion else {
            throw .schemaBehind(current: current, required: SchemaMigrator.requiredVersion)
        }
        schemaChecked = true
    }

    /// Reads (id, generation) of all accounts and the full rows of those that changed, unless the
    /// accounts' fingerprint shows nothing changed since the last read (an idle pass: one
    /// three-number query). Nothing is copied for the accounts that did not change.
    /// `readRows`: read the generations even when the fingerprint says nothing changed.
    private func refreshAccounts(readRows: Bool) async throws(PostgresError) {
        let fingerprint = try await store.accountsFingerprint()
        if !readRows, fingerprint == accountsFingerprint { return }
        let generations = try await store.accountGenerations()
        var changed: [String] = []
        for (id, generation) in generations {
            guard let index = accounts.index(forKey: id), accounts.values[index].generation == generation else {
                changed.append(id)
                continue
            }
        }
        var removed: [String] = []
        if accounts.count + changed.count > generations.count {
            for id in accounts.keys where generations.index(forKey: id) == nil { removed.append(id) }
            for id in removed { accounts[id] = nil }
            let accounts = self.accounts
            memo.retain { accounts.index(forKey: $0) != nil }
        }
        if !changed.isEmpty {
            let keepNames = template.usesDisplayName
            for var account in try await store.accounts(ids: changed) {
                if !keepNames { account.displayName = nil }
                accounts[account.id] = account
            }
        }
        attention.formUnion(changed)
        attention.formUnion(removed)
        accountsFingerprint = fingerprint
    }

    // MARK: carrying out a plan

    /// `planned`: the accounts the plan looked at (nil: every account).
    private func carryOut(_ plan: Plan, planned: Set<String>?, statuses: [String: AccountStatus], extraStatuses: [AccountStatus], urgent: Bool,
                          started: ContinuousClock.Instant, now: Date) async throws(PassError) -> PassReport {
        if options.dryRun {
            if !plan.actions.isEmpty { logger.info("dry run: planned, changing nothing\n\(plan.description)") }
            return PassReport(plan: plan, enqueued: 0, statusesWritten: 0, duration: seconds(since: started))
        }
        let busy = await queue.busyKeys()
        var work: [WorkItem] = []
        var newStatuses: [String: AccountStatus] = [:]
        for status in extraStatuses where !busy.contains(status.accountID) { newStatuses[status.accountID] = status }
        var statuses = statuses
        if options.maxRunningJobs != nil {
            try await holdCreates(of: plan, planned: planned, busy: busy, statuses: &statuses, into: &newStatuses)
        }
        var audit: [AuditEntry] = []
        var deferred = 0
        for action in plan.actions {
            let key = action.accountID ?? action.jobName ?? ""
            switch action {
            case .create(let order, _, _), .recreate(_, let order, _, _), .update(_, let order, _, _):
                // A create refused for this very account data is not tried again, nor is the Job
                // it would replace deleted.
                if rejected[order.accountID] == order.key { continue }
                // Under MAX_RUNNING_JOBS a create waits for its turn (`holdCreates`, `admitHeld`).
                if case .create = action, options.maxRunningJobs != nil { continue }
                work.append(WorkItem(key: key, action: action, accountActive: true, enqueuedAt: now, urgent: urgent))
            case .restart:
                work.append(WorkItem(key: key, action: action, accountActive: true, enqueuedAt: now, urgent: urgent))
            case .recordFailure(let accountID, _):
                var item = WorkItem(key: key, action: action, accountActive: accounts[accountID]?.isActive ?? false, enqueuedAt: now, urgent: urgent)
                item.account = accounts[accountID]
                work.append(item)
            case .delete(_, _, let accountID, _):
                let active = accountID.flatMap { accounts[$0]?.isActive }
                work.append(WorkItem(key: key, action: action, accountActive: active, enqueuedAt: now, urgent: urgent))
            case .recordSuccess(let accountID, let jobName, let uid, let completedAt):
                // A CronJob's run: the row keeps naming the CronJob.
                let change: StatusChange = template.kind == .cronJob ? .runSucceeded(at: completedAt) : .succeeded(jobName: jobName, uid: uid, at: completedAt)
                newStatuses[accountID] = AccountStatus.applying(change, to: newStatuses[accountID] ?? statuses[accountID], accountID: accountID)
                audit.append(AuditEntry(action: "success", accountID: accountID, namespace: options.namespace, jobName: jobName, jobUID: uid,
                                        reason: action.reason))
            case .reportConflict(let accountID, let jobName, let message):
                if let entry = noteSkip(accountID: accountID, jobName: jobName, message: message, statuses: statuses, into: &newStatuses) { audit.append(entry) }
            case .renderFailed(let accountID, let message):
                if let entry = noteSkip(accountID: accountID, jobName: nil, message: message, statuses: statuses, into: &newStatuses) { audit.append(entry) }
            case .deferDelete(let jobName, let accountID, let reason):
                deferred += 1
                logger.info("deletion deferred: MAX_DELETES_PER_PASS reached for this interval", ["job.name": jobName, "account.id": accountID ?? "", "reason": reason])
            case .waitForDeletion, .rollPending:
                continue
            }
        }
        if deferred > 0 { metrics.increment("tenant_provisioner_deletions_deferred_total", by: Double(deferred)) }
        // The pass's own rows are written before any work is handed out: a worker writes the
        // account's row too (a recreate's `deleting` before its delete, a create's `pending`), and
        // a row this pass computed from an earlier read must never land after it and undo it (a
        // recreated Job's successor would then be created as a plain create). A pass whose write
        // fails hands out nothing.
        var changed = newStatuses.values.filter { statuses[$0.accountID] != $0 }
        try await write(changed, audit: audit)
        var accepted = await queue.enqueue(work)
        if let limit = options.maxRunningJobs {
            // The places in line of the creates still waiting: rows of accounts no worker touches.
            var waiting = newStatuses
            accepted += await admitHeld(limit: limit, statuses: statuses, into: &waiting, urgent: urgent, now: now)
            let places = waiting.values.filter { (newStatuses[$0.accountID] ?? statuses[$0.accountID]) != $0 }
            try await write(places, audit: [])
            changed += places
        }
        let deletes = accepted.filter { if case .delete = $0.action { true } else { false } }.count
        if deletes > 0 { deleteBudget.spend(deletes, now: now) }
        let rolls = accepted.filter { item in
            switch item.action {
            case .recreate(_, let order, _, _), .update(_, let order, _, _): order.isImageRoll
            default: false
            }
        }.count
        if rolls > 0 { rollBudget.spend(rolls, now: now) }
        return PassReport(plan: plan, enqueued: accepted.count, statusesWritten: changed.count, duration: seconds(since: started))
    }

    private func write(_ statuses: [AccountStatus], audit: [AuditEntry]) async throws(PassError) {
        guard !statuses.isEmpty || !audit.isEmpty else { return }
        do {
            try await store.record(statuses: statuses, audit: audit)
        } catch {
            metrics.increment("tenant_provisioner_db_errors_total")
            throw .database("\(error)")
        }
    }

    // MARK: MAX_RUNNING_JOBS

    /// Takes the plan's creates into `heldCreates` (each replacing the account's earlier one) and
    /// lets go of the held creates of accounts this plan looked at and no longer creates for; a
    /// queued row of such an account leaves `queued`. `statuses` gains the rows of every held
    /// account (from the mirror: the fair order reads them, and place changes are compared with them).
    /// An account whose create was already let through (`busy` in the queue, or in flight) is
    /// not held again: a full pass plans it while its Job is not in the index yet.
    private func holdCreates(of plan: Plan, planned: Set<String>?, busy: Set<String>, statuses: inout [String: AccountStatus],
                             into newStatuses: inout [String: AccountStatus]) async throws(PassError) {
        var creating: Set<String> = []
        for action in plan.actions {
            guard case .create(let order, _, _) = action, rejected[order.accountID] != order.key else { continue }
            if busy.contains(order.accountID) || slotsInFlight[order.accountID] != nil {
                creating.insert(order.accountID)
                continue
            }
            heldCreates[order.accountID] = action
            creating.insert(order.accountID)
        }
        for id in heldCreates.keys where !creating.contains(id) && planned?.contains(id) != false {
            heldCreates[id] = nil
        }
        let missing = heldCreates.keys.filter { statuses.index(forKey: $0) == nil }
        if !missing.isEmpty {
            do {
                statuses.merge(try await store.mirroredStatuses(ids: Array(missing))) { a, _ in a }
            } catch {
                throw .database(error.description)
            }
        }
        let looked = planned.map { Array($0) } ?? Array(statuses.keys)
        for id in looked where !creating.contains(id) {
            guard let current = newStatuses[id] ?? statuses[id], current.phase == .queued else { continue }
            newStatuses[id] = AccountStatus.applying(.dequeued(accountActive: accounts[id]?.isActive ?? false), to: current, accountID: id)
        }
    }

    /// Sends as many held creates as there are free slots, in `FairOrder`; the others get phase
    /// `queued` with their place. Slots taken: the index's unfinished Jobs and the creates sent
    /// but not seen yet. Returns what the queue accepted.
    private func admitHeld(limit: Int, statuses: [String: AccountStatus], into newStatuses: inout [String: AccountStatus],
                           urgent: Bool, now: Date) async -> [WorkItem] {
        slotsInFlight = slotsInFlight.filter { id, slot in
            guard slot.until > now, let job = jobIndex.job(named: slot.name), job.accountID == id, !job.isTerminating else { return slot.until > now }
            return false  // the index counts it now
        }
        let candidates = heldCreates.keys.map { FairOrder.Candidate(accountID: $0, status: statuses[$0]) }
        let assignment = JobSlots.assign(limit: limit, taken: jobIndex.unfinishedCount + slotsInFlight.count, candidates: candidates)
        metrics.set("tenant_provisioner_jobs_queued", Double(assignment.waiting.count))
        var work: [WorkItem] = []
        for id in assignment.admitted {
            guard let action = heldCreates[id] else { continue }
            work.append(WorkItem(key: id, action: action, accountActive: true, enqueuedAt: now, urgent: urgent))
        }
        let accepted = await queue.enqueue(work)
        for item in accepted {
            guard case .create(let order, _, _) = item.action else { continue }
            heldCreates[order.accountID] = nil
            slotsInFlight[order.accountID] = (order.name, now + Self.inFlightLimit)
        }
        for (offset, id) in assignment.waiting.enumerated() {
            guard case .create(_, _, let completes)? = heldCreates[id] else { continue }
            let current = newStatuses[id] ?? statuses[id]
            let queued = AccountStatus.applying(.queued(place: offset + 1, waiting: assignment.waiting.count, limit: limit, replacement: completes),
                                                to: current, accountID: id)
            if queued != current { newStatuses[id] = queued }
        }
        return accepted
    }

    /// A conflict or render failure: written to the status message, and audited and logged
    /// once when the message is new rather than every pass.
    private func noteSkip(accountID: String, jobName: String?, message: String, statuses: [String: AccountStatus],
                          into newStatuses: inout [String: AccountStatus]) -> AuditEntry? {
        let current = newStatuses[accountID] ?? statuses[accountID]
        guard current?.message != message else { return nil }
        newStatuses[accountID] = AccountStatus.applying(.problem(message), to: current, accountID: accountID)
        logger.warning("account skipped", ["account.id": accountID, "reason": message])
        return AuditEntry(action: "skip", accountID: accountID, namespace: options.namespace, jobName: jobName, jobUID: nil, reason: message)
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).seconds
    }

    /// The restarts due after `now`, by account; also sets the waiting-restarts gauge.
    private func scheduledRestarts(_ statuses: [String: AccountStatus], now: Date) -> [String: Date] {
        var out: [String: Date] = [:]
        var waiting = 0
        for (id, status) in statuses where status.phase == .restartScheduled {
            waiting += 1
            if let at = status.nextRestartAt, at > now { out[id] = at }
        }
        metrics.set("tenant_provisioner_restarts_waiting", Double(waiting))
        return out
    }
}

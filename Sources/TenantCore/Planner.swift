import Common
import FoundationEssentials

/// Decides what one reconcile pass does: accounts, the managed Jobs the watch cache holds and the
/// `account_status` rows in; actions out. Pure: the clock is `now`, the cluster is `jobs`, and
/// the only state carried between passes is the `PlanMemo` value the caller owns.
///
/// The planner renders no Job it creates: a create carries a `JobOrder` (name and what to render
/// from), checked with `JobTemplate.check` so an account that cannot be rendered is reported
/// here. It renders only to learn the spec hash of a Job that exists, when `memo` does not
/// know it for the account's current `RenderKey` yet.
///
/// Rules (SPEC "Reconcile", "Kubernetes objects"):
/// - Only Jobs labelled managed-by tenant-provisioner *and* with this instance are ever deleted or
///   recreated. A Job without both labels that holds an account's desired name is a conflict,
///   reported, and nothing else is done for that account.
/// - An active account without its Job gets one, unless its last Job succeeded and it has not
///   changed since (then only `rerunAfterSuccess` brings it back), or a restart is scheduled for later.
/// - A Job whose spec-hash annotation differs from the desired one is recreated, a Job already
///   being deleted is waited for, a failed Job is handed to the restart logic and never recreated
///   here (the restart renders afresh, so a spec change reaches it then).
/// - A completed Job is left alone (its success recorded once); it is recreated when its spec
///   changed, or `rerunAfterSuccess` after completion.
/// - Jobs of inactive, deleted or unknown accounts, without an account annotation, or left over
///   under an old name (the template's prefix changed) are deleted, at most `deleteBudget` of
///   them, in name order; the rest are deferred.
/// - Actions come sorted: records, conflicts and render failures, deletions, deferred
///   deletions, waits, recreations, creations; each group by Job name.
public enum Planner {
    /// A full pass over every account.
    public static func plan(accounts: [Account], jobs: [ObservedJob], statuses: [String: AccountStatus],
                            template: JobTemplate, namespace: String, policy: PlanPolicy, now: Date) -> Plan {
        var memo = PlanMemo()
        return plan(accounts: accounts, index: JobIndex(instance: policy.instance, jobs: jobs), statuses: statuses, template: template,
                    namespace: namespace, policy: policy, now: now, memo: &memo)
    }

    /// A full pass over every account, with the Jobs already indexed (`index.instance` must be
    /// `policy.instance`) and what earlier passes remembered. Of two rows with one id, the last counts.
    public static func plan(accounts: [Account], index: JobIndex, statuses: [String: AccountStatus],
                            template: JobTemplate, namespace: String, policy: PlanPolicy, now: Date, memo: inout PlanMemo) -> Plan {
        var byID: [String: Account] = [:]
        byID.reserveCapacity(accounts.count)
        for account in accounts { byID[account.id] = account }
        return plan(accounts: byID, index: index, statuses: statuses, template: template, namespace: namespace, policy: policy, now: now, memo: &memo)
    }

    /// The full pass the runtime makes: accounts by id, as it keeps them between passes.
    /// `runs`: with a CronJob template, the Jobs its CronJobs created (their successes and
    /// failures are recorded; they are never deleted or restarted).
    public static func plan(accounts: [String: Account], index: JobIndex, runs: JobIndex? = nil, statuses: [String: AccountStatus],
                            template: JobTemplate, namespace: String, policy: PlanPolicy, now: Date, memo: inout PlanMemo) -> Plan {
        var builder = PlanBuilder(template: template, namespace: namespace, policy: policy, now: now, index: index, runs: runs, statuses: statuses)
        swap(&builder.memo, &memo)
        defer { swap(&builder.memo, &memo) }
        builder.planAccounts(accounts.keys, of: accounts)
        builder.planJobsWithoutAccount(isKnown: { accounts.index(forKey: $0) != nil })
        return builder.finish()
    }

    /// A pass over some accounts only, each planned exactly as the full pass plans it: an id
    /// without a row has its Jobs deleted, and Jobs without an account annotation are always
    /// looked at. `accounts` is the whole table (for the name checks). The runtime's idle
    /// passes: the accounts whose inputs changed and those whose last plan was not empty; every
    /// other account would plan to nothing again.
    public static func plan(ids: Set<String>, accounts: [String: Account], index: JobIndex, runs: JobIndex? = nil, statuses: [String: AccountStatus],
                            template: JobTemplate, namespace: String, policy: PlanPolicy, now: Date, memo: inout PlanMemo) -> Plan {
        var builder = PlanBuilder(template: template, namespace: namespace, policy: policy, now: now, index: index, runs: runs, statuses: statuses)
        swap(&builder.memo, &memo)
        defer { swap(&builder.memo, &memo) }
        builder.planAccounts(ids.filter { accounts.index(forKey: $0) != nil }, of: accounts)
        for id in ids where accounts.index(forKey: id) == nil { builder.planDeletedAccount(id) }
        builder.planJobsWithoutAnnotation()
        return builder.finish()
    }

    /// The NOTIFY path: one account (nil when its row was deleted), by the same rules. `jobs` may
    /// be every Job the cache holds or only this account's; Jobs of other accounts are never
    /// touched, they only tell whether this account's desired name is taken.
    public static func plan(account: Account?, accountID: String, jobs: [ObservedJob], status: AccountStatus?,
                            template: JobTemplate, namespace: String, policy: PlanPolicy, now: Date) -> Plan {
        var memo = PlanMemo()
        return plan(account: account, accountID: accountID, index: JobIndex(instance: policy.instance, jobs: jobs), status: status,
                    template: template, namespace: namespace, policy: policy, now: now, memo: &memo)
    }

    /// The NOTIFY path with the Jobs already indexed: costs the same at 10 or 10,000 Jobs.
    public static func plan(account: Account?, accountID: String, index: JobIndex, runs: JobIndex? = nil, status: AccountStatus?,
                            template: JobTemplate, namespace: String, policy: PlanPolicy, now: Date, memo: inout PlanMemo) -> Plan {
        var builder = PlanBuilder(template: template, namespace: namespace, policy: policy, now: now, index: index, runs: runs,
                                  statuses: status.map { [accountID: $0] } ?? [:])
        swap(&builder.memo, &memo)
        defer { swap(&builder.memo, &memo) }
        if let account {
            builder.planAccounts([account.id], of: [account.id: account])
        } else {
            builder.planDeletedAccount(accountID)
        }
        return builder.finish()
    }
}

/// The working state of one `Planner.plan` call.
struct PlanBuilder {
    let template: JobTemplate
    let namespace: String
    let policy: PlanPolicy
    let now: Date
    let statuses: [String: AccountStatus]
    /// Names and spec hashes known from earlier passes; the planner adds what it computes.
    var memo = PlanMemo()
    /// Every Job by name, managed or not, and this instance's Jobs by account.
    let index: JobIndex
    /// With a CronJob template: the Jobs the CronJobs created, by account.
    let runs: JobIndex?

    private var ranked: [(order: PlannedAction.Order, key: String, account: String, action: PlannedAction)] = []
    /// The account being planned by `planAccounts`; ties between accounts sort by it, so the
    /// order of the accounts handed in does not matter. Empty afterwards (those come last).
    private var currentAccount = ""
    private var deletions: [(job: ObservedJob, accountID: String?, reason: String)] = []
    /// Workloads in place whose tags moved (`RESOLVE_IMAGE_DIGESTS`), with their planning account.
    private var rollCandidates: [(job: ObservedJob, order: JobOrder, changes: [ImageChange], account: String)] = []
    /// `runningPins` by annotation text, for this plan.
    private var runningByAnnotation: [String: (ImagePins, [ImageChange])] = [:]

    init(template: JobTemplate, namespace: String, policy: PlanPolicy, now: Date, index: JobIndex, runs: JobIndex? = nil, statuses: [String: AccountStatus]) {
        assert(index.instance == policy.instance, "the Job index was built for another instance")
        self.runs = runs
        self.template = template
        self.namespace = namespace
        self.policy = policy
        self.now = now
        self.statuses = statuses
        self.index = index
    }

    /// Plans the accounts of `ids` (each must be a key of `accounts`, the whole table).
    mutating func planAccounts(_ ids: some Collection<String>, of accounts: [String: Account]) {
        // One memo lookup per account: its name and remembered hash.
        var entries: [PlanMemo.Entry] = []
        entries.reserveCapacity(ids.count)
        for id in ids { entries.append(memo.entry(accountID: id, prefix: template.prefix, maxLength: template.kind.maxNameLength)) }
        // Names are injective up to a 32-bit hash collision, and a plain name (`<prefix>-<id>`)
        // can equal a hashed one; if two active accounts still want one name, the smaller id
        // keeps it and the other is reported, never silently shared. Two plain names never
        // collide, so only the memo's hashed names are looked up (usually there are none).
        for (id, entry) in zip(ids, entries) {
            guard let account = accounts[id] else { continue }
            currentAccount = id
            let owner = memo.hashedByName.isEmpty ? nil : nameOwner(entry, accountID: id, accounts: accounts)
            plan(account, entry: entry, nameOwner: owner)
        }
        currentAccount = ""
    }

    /// Which active account keeps `entry`'s name (the account `accountID`'s): the smallest id
    /// among it, the accounts whose hashed name it is and the account whose plain name it is.
    private func nameOwner(_ entry: PlanMemo.Entry, accountID: String, accounts: [String: Account]) -> String {
        var owner = accountID
        for other in memo.hashedByName[entry.name] ?? [] where other < owner && accounts[other]?.isActive == true { owner = other }
        guard !entry.isPlain else { return owner }
        // `<prefix>-<id>` of an account whose id is the rest of this name, if its name is plain.
        let id = String(entry.name.dropFirst(template.prefix.count + 1))
        if id < owner, accounts[id]?.isActive == true,
           memo.isPlain(accountID: id) ?? (JobNaming.name(prefix: template.prefix, accountID: id, maxLength: template.kind.maxNameLength).name == entry.name) { owner = id }
        return owner
    }

    /// Jobs of ours whose annotation names no account in the table, or no account at all.
    mutating func planJobsWithoutAccount(isKnown: (String) -> Bool) {
        for accountID in index.accountsWithManagedJobs {
            guard let accountID else { continue }
            guard !isKnown(accountID) else { continue }
            planDeletedAccount(accountID)
        }
        planJobsWithoutAnnotation()
    }

    /// Jobs of ours without the account-id annotation: deleted.
    mutating func planJobsWithoutAnnotation() {
        for job in index.managedJobs(ofAccount: nil) { delete(job, accountID: nil, reason: "Job has no \(ManagedMetadata.accountIDAnnotation) annotation") }
    }

    mutating func planDeletedAccount(_ accountID: String) {
        let reason = statuses[accountID] != nil ? "account deleted" : "unknown account (no row in accounts)"
        for job in index.managedJobs(ofAccount: accountID) { delete(job, accountID: accountID, reason: reason) }
    }

    /// `entry`: what the memo holds for the account (its Job name, its remembered hash);
    /// `nameOwner`: the active account that keeps the name (nil or `account`'s id: this one).
    private mutating func plan(_ account: Account, entry: PlanMemo.Entry, nameOwner: String?) {
        let name = entry.name
        let status = statuses[account.id]
        let own = index.managedJobs(ofAccount: account.id)
        guard account.isActive else {
            recordObservations(of: own, accountID: account.id, status: status)
            for job in own { delete(job, accountID: account.id, reason: "account inactive") }
            return
        }
        let current = own.first { $0.name == name }
        // The account's own Job holds the name in the common case: no lookup by name needed.
        if current == nil, let holder = index.job(named: name), !holder.isManaged(instance: policy.instance) {
            add(.reportConflict(accountID: account.id, jobName: name, message: Self.unmanagedConflict(holder, instance: policy.instance)), key: name)
            return
        }
        if let owner = nameOwner, owner != account.id {
            add(.reportConflict(accountID: account.id, jobName: name, message: "account \(JSONText.quote(owner)) has the same Job name \(name); rename one of the accounts or change the template prefix"), key: name)
            return
        }
        recordObservations(of: own, accountID: account.id, status: status)
        for job in own where job.name != name {
            delete(job, accountID: account.id, reason: "old name: the account's Job is now \(name) (the template prefix changed)")
        }
        if current == nil, index.job(named: name) != nil {
            // Ours, but annotated for another account (a Job left over under an old prefix that
            // happens to equal this name): it is deleted by its own account's rules; wait for that.
            add(.waitForDeletion(jobName: name, accountID: account.id), key: name)
            return
        }
        // A new workload is pinned to the latest digests; an existing one is compared as pinned
        // to what it runs (its image-digests annotation), so a moved tag alone is a roll (budgeted).
        var order = JobOrder(name: name, account: account, memoryOverride: status?.memoryOverride(for: template), pins: policy.images?.latest)
        if let job = current {
            var changes: [ImageChange] = []
            if let latest = policy.images?.latest { (order.pins, changes) = runningPins(of: job, latest: latest) }
            planExisting(job, order: order, remembered: entry.hash(for: order.key), status: status, imageChanges: changes)
        } else {
            planMissing(order, status: status)
        }
    }

    /// `order` is pinned to what `job` runs; `imageChanges` is what rolling it to the latest
    /// digests would change (empty: it runs them, or pinning is off).
    private mutating func planExisting(_ job: ObservedJob, order: JobOrder, remembered: SpecDigest?, status: AccountStatus?, imageChanges: [ImageChange]) {
        if job.isTerminating {
            add(.waitForDeletion(jobName: job.name, accountID: order.accountID), key: job.name)
            return
        }
        // A Job's failure belongs to the restart logic; a Deployment that stopped progressing is
        // recorded once (`.recordFailure` → `RolloutFailure`) and never replaced for it:
        // Kubernetes restarts its pods, a new spec may fix it.
        if template.kind == .job, let failedAt = job.failedAt {
            planFailed(job, failedAt: failedAt, order: order, status: status)
            return
        }
        // The common case, a Job in place with the remembered hash, compares 32 bytes and builds
        // no string.
        let inPlace = remembered?.matches(job.specHash) == true
        let specHash: String
        do {
            if let remembered { specHash = inPlace ? job.specHash! : remembered.hex } else { specHash = try desiredHash(order) }
        } catch {
            add(.renderFailed(accountID: order.accountID, message: error.problem), key: order.name)
            return
        }
        let drifted = !inPlace && job.specHash != specHash
        // Replaced anyway (a spec change, a rerun): the successor gets the latest digests along.
        var successor = order
        var successorHash = specHash
        if drifted || rerunDue(job), !imageChanges.isEmpty, let latest = policy.images?.latest {
            successor.pins = latest
            successor.imageChanges = imageChanges
            do {
                successorHash = try desiredHash(successor)
            } catch {
                add(.renderFailed(accountID: order.accountID, message: error.problem), key: order.name)
                return
            }
        }
        if drifted, template.kind.updatesInPlace {
            let reason = Self.driftReason(job: job, specHash: specHash, generation: order.generation, status: status)
            add(.update(old: job, successor: successor, specHash: successorHash, reason: reason), key: job.name)
            return
        }
        if template.kind == .deployment, let failedAt = job.failedAt, !RolloutFailure.isRecorded(job, failedAt: failedAt, status: status) {
            add(.recordFailure(accountID: order.accountID, job: job), key: job.name)
        }
        if drifted {
            var reason = Self.driftReason(job: job, specHash: specHash, generation: order.generation, status: status)
            if job.completedAt != nil { reason += " after the Job completed" }
            add(.recreate(old: job, successor: successor, specHash: successorHash, reason: reason), key: job.name)
            return
        }
        if let completedAt = job.completedAt, let rerun = policy.rerunAfterSuccess, rerunDue(job) {
            add(.recreate(old: job, successor: successor, specHash: successorHash,
                          reason: "rerun after success (completed \(Timestamp.rfc3339(completedAt)), RERUN_AFTER_SUCCESS \(Int(rerun)) s)"), key: job.name)
            return
        }
        // In place but running digests its tags no longer point at: a roll, if the interval's
        // budget allows (decided in `finish`, in account-id order).
        if !imageChanges.isEmpty { rollCandidates.append((job, order, imageChanges, currentAccount)) }
    }

    private func rerunDue(_ job: ObservedJob) -> Bool {
        guard let completedAt = job.completedAt, let rerun = policy.rerunAfterSuccess else { return false }
        return now >= completedAt + rerun
    }

    /// The pins `job` runs (its image-digests annotation) and what rolling it to `latest` would
    /// change. A workload on the latest digests costs one string comparison, nothing parsed; the
    /// others are parsed once per distinct annotation per plan (after a tag moved, thousands of
    /// tenants wait on the same old digests).
    private mutating func runningPins(of job: ObservedJob, latest: ImagePins) -> (ImagePins, [ImageChange]) {
        let text = job.annotations[ManagedMetadata.imageDigestsAnnotation]
        if text == latest.text || (text == nil && latest.isEmpty) { return (latest, []) }
        let key = text ?? ""
        if let known = runningByAnnotation[key] { return known }
        // Unreadable (edited by hand): taken as pinning nothing, so the roll re-pins every image.
        let running = text.flatMap(ImagePins.init(annotation:)) ?? ImagePins()
        let result = (running, running.changes(to: latest))
        runningByAnnotation[key] = result
        return result
    }

    /// The roll candidates of this plan: the first `rollBudget` in account-id order roll (a
    /// recreate of a Job, an update in place of a Deployment or CronJob, to the latest digests);
    /// the others are shown as waiting.
    private mutating func planRolls() {
        guard let images = policy.images, !rollCandidates.isEmpty else { return }
        let candidates = rollCandidates.sorted { $0.account < $1.account }
        rollCandidates = []
        var granted = 0
        for candidate in candidates {
            currentAccount = candidate.account
            let job = candidate.job
            guard granted < images.rollBudget else {
                add(.rollPending(jobName: job.name, accountID: candidate.order.accountID, changes: candidate.changes), key: job.name)
                continue
            }
            var successor = candidate.order
            successor.pins = images.latest
            successor.imageChanges = candidate.changes
            successor.isImageRoll = true
            let hash: String
            do {
                hash = try desiredHash(successor)
            } catch {
                add(.renderFailed(accountID: successor.accountID, message: error.problem), key: successor.name)
                continue
            }
            granted += 1
            let reason = "image roll (tag moved): " + candidate.changes.map(\.description).joined(separator: ", ")
            add(template.kind.updatesInPlace ? .update(old: job, successor: successor, specHash: hash, reason: reason)
                                             : .recreate(old: job, successor: successor, specHash: hash, reason: reason), key: job.name)
        }
        currentAccount = ""
    }

    /// The spec hash the account's Job should carry, rendered (and remembered) when the memo
    /// did not know it for the order's key.
    private mutating func desiredHash(_ order: JobOrder) throws(RenderError) -> String {
        let hash = try template.specHash(of: order, namespace: namespace, instance: policy.instance)
        memo.remember(hash, accountID: order.accountID, key: order.key)
        return hash
    }

    /// A failed Job of an active account belongs to the restart logic: its failure is recorded
    /// first (`recordObservations`, which also decides the restart time), then it is deleted when
    /// that time comes and created afresh once gone. Never recreated for a spec change meanwhile:
    /// the restart renders afresh, so the change reaches it then.
    private mutating func planFailed(_ job: ObservedJob, failedAt: Date, order: JobOrder, status: AccountStatus?) {
        guard let status, status.jobUID == job.uid, status.hasRecordedFailure(of: job, failedAt: failedAt) else { return }
        guard let due = Self.restartDue(status: status, failedAt: failedAt, policy: policy.restart), due <= now else { return }
        // The failed Job stays (pods and logs to look at) while its successor cannot be rendered.
        do {
            try template.check(account: order.account, memoryOverride: order.memoryOverride)
        } catch {
            add(.renderFailed(accountID: order.accountID, message: error.problem), key: order.name)
            return
        }
        add(.restart(old: job, accountID: order.accountID, reason: Self.restartReason(status: status, job: job)), key: job.name)
    }

    /// When the recorded failure of the account's current Job is to be restarted: the row's
    /// `next_restart_at`, else (a row written before restart times existed, or an account
    /// reactivated after its failure was recorded) the policy's delay after the recorded count.
    static func restartDue(status: AccountStatus, failedAt: Date, policy: RestartPolicy) -> Date? {
        switch status.phase {
        case .restartScheduled: status.nextRestartAt ?? failedAt + policy.delay(afterFailure: status.consecutiveFailures)
        case .failed: failedAt + policy.delay(afterFailure: status.consecutiveFailures)
        default: nil
        }
    }

    static func restartReason(status: AccountStatus, job: ObservedJob) -> String {
        var reason = "restart of the failed Job (failure \(max(1, status.consecutiveFailures)) in a row"
        if let due = status.nextRestartAt { reason += ", due \(Timestamp.rfc3339(due))" }
        reason += ")"
        if let why = job.failedReason { reason += ": \(why)" }
        return reason
    }

    private mutating func planMissing(_ order: JobOrder, status: AccountStatus?) {
        guard let status else {
            create(order, reason: "new account")
            return
        }
        // A Deployment or CronJob is simply there for every active account: no restart, rerun
        // or success of its own decides when it comes back.
        if template.kind.updatesInPlace {
            create(order, reason: status.phase == .inactive ? "account activated" : "no \(template.kind.rawValue) for the active account")
            return
        }
        switch status.phase {
        case .restartScheduled:
            // Deleted for its restart (or gone by TTL meanwhile): created at the restart time.
            if let at = status.nextRestartAt, at > now { return }
            create(order, reason: "scheduled restart is due", completes: .restart(oldUID: status.jobUID))
            return
        case .deleting:
            // An active account's Job deleted to be replaced (spec change, rerun): its successor.
            create(order, reason: "replacing the deleted Job", completes: .recreate(oldUID: status.jobUID))
            return
        case .queued:
            // Waiting for a slot under MAX_RUNNING_JOBS (the runtime holds the create until its
            // turn); what it completes is in the row, so another leader finishes it alike.
            let replacement = status.queuedReplacement
            create(order, reason: replacement.map { "\($0.verb) waiting for a free slot (MAX_RUNNING_JOBS)" } ?? "queued for a free slot (MAX_RUNNING_JOBS)",
                   completes: replacement)
            return
        default:
            break
        }
        if status.phase == .succeeded, let lastSuccess = status.lastSuccessAt {
            if let observed = status.observedGeneration, observed != order.generation {
                create(order, reason: "account changed since its Job succeeded (generation \(observed) → \(order.generation))")
            } else if let rerun = policy.rerunAfterSuccess, now >= lastSuccess + rerun {
                create(order, reason: "rerun after success (completed \(Timestamp.rfc3339(lastSuccess)), RERUN_AFTER_SUCCESS \(Int(rerun)) s)")
            }
            return  // a completed Job that disappeared is not recreated before its rerun time
        }
        create(order, reason: status.phase == .inactive ? "account activated" : "no Job for the active account")
    }

    /// A create, once the order is known to render; otherwise the account's render failure.
    private mutating func create(_ order: JobOrder, reason: String, completes: Replacement? = nil) {
        do {
            try template.check(account: order.account, memoryOverride: order.memoryOverride)
            add(.create(order, reason: reason, completes: completes), key: order.name)
        } catch {
            add(.renderFailed(accountID: order.accountID, message: error.problem), key: order.name)
        }
    }

    private mutating func recordObservations(of jobs: JobGroup, accountID: String, status: AccountStatus?) {
        // Only Jobs complete or fail; a Deployment's state is mirrored by `ObservedStatus`, a
        // CronJob's runs are recorded from the Jobs it created.
        if template.kind == .cronJob, let runs {
            recordRuns(runs.managedJobs(ofAccount: accountID), accountID: accountID, status: status)
        }
        guard template.kind == .job else { return }
        for job in jobs {
            if let completedAt = job.completedAt, status?.hasRecordedSuccess(uid: job.uid, completedAt: completedAt) != true {
                add(.recordSuccess(accountID: accountID, jobName: job.name, uid: job.uid, completedAt: completedAt), key: job.name)
            }
            if let failedAt = job.failedAt, status?.hasRecordedFailure(of: job, failedAt: failedAt) != true {
                add(.recordFailure(accountID: accountID, job: job), key: job.name)
            }
        }
    }

    /// The runs of an account's CronJob: each success and failure recorded once, in time order
    /// (the row's `last_success_at` / `last_failure_at` say how far it got: runs end one after
    /// another). Never deleted or restarted here: they belong to the CronJob, whose history limits
    /// remove them, and the next schedule runs again.
    private mutating func recordRuns(_ runs: JobGroup, accountID: String, status: AccountStatus?) {
        let slack = AccountStatus.timestampSlack
        for run in runs {
            if let completedAt = run.completedAt, (status?.lastSuccessAt ?? .distantPast) < completedAt - slack {
                add(.recordSuccess(accountID: accountID, jobName: run.name, uid: run.uid, completedAt: completedAt), key: run.name)
            }
            if let failedAt = run.failedAt, (status?.lastFailureAt ?? .distantPast) < failedAt - slack {
                add(.recordFailure(accountID: accountID, job: run), key: run.name)
            }
        }
    }

    private mutating func delete(_ job: ObservedJob, accountID: String?, reason: String) {
        if job.isTerminating {
            add(.waitForDeletion(jobName: job.name, accountID: accountID), key: job.name)
        } else {
            deletions.append((job, accountID, reason))
        }
    }

    private mutating func add(_ action: PlannedAction, key: String) {
        ranked.append((action.order, key, currentAccount, action))
    }

    mutating func finish() -> Plan {
        planRolls()
        deletions.sort { $0.job.name < $1.job.name }
        let budget = max(0, policy.deleteBudget)
        for (index, deletion) in deletions.enumerated() {
            if index < budget {
                add(.delete(jobName: deletion.job.name, uid: deletion.job.uid, accountID: deletion.accountID, reason: deletion.reason), key: deletion.job.name)
            } else {
                add(.deferDelete(jobName: deletion.job.name, accountID: deletion.accountID, reason: deletion.reason), key: deletion.job.name)
            }
        }
        deletions = []
        // Stable order: the kind of action (`PlannedAction.Order`), then Job name, then account id
        // (accounts are planned in any order; what comes after them last), then the order of
        // planning (records of one Job).
        let ordered = ranked.enumerated().sorted { a, b in
            if a.element.order != b.element.order { return a.element.order < b.element.order }
            if a.element.key != b.element.key { return a.element.key < b.element.key }
            if a.element.account != b.element.account {
                if a.element.account.isEmpty || b.element.account.isEmpty { return b.element.account.isEmpty }
                return a.element.account < b.element.account
            }
            return a.offset < b.offset
        }
        return Plan(actions: ordered.map(\.element.action))
    }

    static func driftReason(job: ObservedJob, specHash: String, generation: Int64, status: AccountStatus?) -> String {
        guard let oldHash = job.specHash else {
            return "spec changed (the Job has no \(ManagedMetadata.specHashAnnotation) annotation)"
        }
        if let observed = status?.observedGeneration, observed != generation {
            return "spec changed (generation \(observed) → \(generation))"
        }
        return "spec changed (template or account data; spec hash \(oldHash.prefix(12)) → \(specHash.prefix(12)))"
    }

    static func unmanagedConflict(_ job: ObservedJob, instance: String) -> String {
        let managedBy = job.labels[ManagedMetadata.managedByLabel].map { JSONText.quote($0) } ?? "unset"
        let jobInstance = job.labels[ManagedMetadata.instanceLabel].map { JSONText.quote($0) } ?? "unset"
        return "Job \(job.name) already exists and is not managed by this provisioner (label \(ManagedMetadata.managedByLabel) \(managedBy), \(ManagedMetadata.instanceLabel) \(jobInstance), expected \(JSONText.quote(ManagedMetadata.managedByValue)) and \(JSONText.quote(instance))); it is left untouched: delete or rename it, or change the template prefix"
    }
}

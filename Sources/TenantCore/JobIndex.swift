/// The Jobs the planner looks at, indexed the two ways it asks: by name (every Job, managed or
/// not) and by account (this instance's managed Jobs, by their account-id annotation, each list
/// sorted by name). A value kept up to date one Job at a time (`upsert`, `remove`) as watch
/// events arrive, so a pass over 10,000 accounts does not rebuild it.
public struct JobIndex: Sendable, Equatable {
    public let instance: String
    private var byName: [String: ObservedJob] = [:]
    /// Names only: the Jobs themselves live once, in `byName` (two copies of every Job cost
    /// 2.6 MB at 10,000 accounts, docs/benchmark.md).
    private var managedByAccount: [String?: NameGroup] = [:]
    /// Jobs the label-selected cache cannot see (a Job without our labels holding an account's
    /// name, learned from a create's 409). Consulted only for names `byName` does not hold.
    public var unmanagedHolders: [String: ObservedJob] = [:]
    /// This instance's managed Jobs that have neither completed nor failed (terminating ones
    /// included: Foreground deletion keeps their pods until they are gone). What
    /// `MAX_RUNNING_JOBS` counts; kept with every `upsert` and `remove`, not counted per pass.
    public private(set) var unfinishedCount = 0

    public init(instance: String) {
        self.instance = instance
    }

    /// An index of `jobs`; of two Jobs with one name, the first counts (names are unique in a namespace).
    public init(instance: String, jobs: some Sequence<ObservedJob>) {
        self.instance = instance
        for job in jobs where byName[job.name] == nil { upsert(job) }
    }

    public var count: Int { byName.count }

    /// Every indexed Job (the unmanaged holders excluded), in no particular order.
    public var jobs: Dictionary<String, ObservedJob>.Values { byName.values }

    /// The Job called `name`: the cache's, else a remembered unmanaged holder.
    public func job(named name: String) -> ObservedJob? {
        byName[name] ?? unmanagedHolders[name]
    }

    /// This instance's managed Jobs annotated with `accountID` (nil: without the annotation), by name.
    public func managedJobs(ofAccount accountID: String?) -> JobGroup {
        JobGroup(names: managedByAccount[accountID] ?? .several([]), jobs: byName)
    }

    /// The account ids (nil: none) that have managed Jobs.
    public var accountsWithManagedJobs: Dictionary<String?, NameGroup>.Keys { managedByAccount.keys }

    /// Adds the Job or replaces the one with its name.
    public mutating func upsert(_ job: ObservedJob) {
        if byName[job.name] != nil { remove(named: job.name) }
        byName[job.name] = job
        guard job.isManaged(instance: instance) else { return }
        if job.isUnfinished { unfinishedCount += 1 }
        let key = job.accountID
        guard let group = managedByAccount.removeValue(forKey: key), !group.isEmpty else {
            managedByAccount[key] = .one(job.name)
            return
        }
        var list = Array(group)
        list.insert(job.name, at: list.firstIndex { job.name < $0 } ?? list.endIndex)
        managedByAccount[key] = .several(list)
    }

    public mutating func remove(named name: String) {
        guard let old = byName.removeValue(forKey: name), old.isManaged(instance: instance) else { return }
        if old.isUnfinished { unfinishedCount -= 1 }
        let key = old.accountID
        guard let group = managedByAccount.removeValue(forKey: key) else { return }
        let list = group.filter { $0 != name }
        if list.count == 1 { managedByAccount[key] = .one(list[0]) } else if !list.isEmpty { managedByAccount[key] = .several(list) }
    }
}

/// The names of one account's managed Jobs, in order: almost always exactly one, held then
/// without an array of its own (10,000 accounts saved 10,000 array buffers, docs/benchmark.md).
public enum NameGroup: RandomAccessCollection, Sendable, Equatable {
    case one(String)
    /// None, or two and more.
    case several([String])

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch self {
        case .one: 1
        case .several(let names): names.count
        }
    }

    public subscript(position: Int) -> String {
        switch self {
        case .one(let name):
            precondition(position == 0, "index out of range")
            return name
        case .several(let names):
            return names[position]
        }
    }
}

/// The managed Jobs of one account, by name, read from the index's one copy of each Job.
public struct JobGroup: RandomAccessCollection, Sendable {
    let names: NameGroup
    /// The index's Jobs by name (a reference to the same storage, not a copy).
    let jobs: [String: ObservedJob]

    public var startIndex: Int { 0 }
    public var endIndex: Int { names.count }

    public subscript(position: Int) -> ObservedJob {
        // Every name in a group is in `byName`: `upsert` and `remove` change both together.
        jobs[names[position]]!
    }
}

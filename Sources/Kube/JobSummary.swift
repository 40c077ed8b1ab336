import Common
import FoundationEssentials

/// The fields of a Job the operator reads, and nothing else: what `JobCache` keeps for each of up
/// to tens of thousands of managed Jobs. Decodes straight from a Job's JSON (list item or watch
/// event object), skipping the spec and the pod template.
public struct JobSummary: Sendable, Equatable, Decodable {
    public var name: String
    public var namespace: String
    public var uid: String
    public var resourceVersion: String
    public var labels: StringPairs
    public var annotations: StringPairs
    public var creationTimestamp: Date?
    /// Set while a deletion waits for finalizers (Foreground propagation waits for the pods).
    public var deletionTimestamp: Date?
    public var conditions: [JobCondition]
    public var active: Int32
    public var succeeded: Int32
    public var failed: Int32

    public init(name: String, namespace: String, uid: String, resourceVersion: String, labels: StringPairs = [:],
                annotations: StringPairs = [:], creationTimestamp: Date? = nil, deletionTimestamp: Date? = nil,
                conditions: [JobCondition] = [], active: Int32 = 0, succeeded: Int32 = 0, failed: Int32 = 0) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.labels = labels
        self.annotations = annotations
        self.creationTimestamp = creationTimestamp
        self.deletionTimestamp = deletionTimestamp
        self.conditions = conditions
        self.active = active
        self.succeeded = succeeded
        self.failed = failed
    }

    public init(_ job: Job) {
        var annotations = StringPairs(job.metadata.annotations ?? [:])
        annotations[Self.droppedAnnotation] = nil
        self.init(name: job.metadata.name ?? "", namespace: job.metadata.namespace ?? "", uid: job.metadata.uid ?? "",
                  resourceVersion: job.metadata.resourceVersion ?? "", labels: StringPairs(job.metadata.labels ?? [:]),
                  annotations: annotations, creationTimestamp: job.metadata.creationTimestamp,
                  deletionTimestamp: job.metadata.deletionTimestamp, conditions: job.status?.conditions ?? [],
                  active: job.status?.active ?? 0, succeeded: job.status?.succeeded ?? 0, failed: job.status?.failed ?? 0)
    }

    /// `kubectl apply` stores the whole manifest here (kilobytes a Job); nothing reads it from the cache.
    static let droppedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    private enum Keys: String, CodingKey { case metadata, status }
    private enum MetaKeys: String, CodingKey { case name, namespace, uid, resourceVersion, labels, annotations, creationTimestamp, deletionTimestamp }
    private enum StatusKeys: String, CodingKey { case conditions, active, succeeded, failed }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let m = try c.nestedContainer(keyedBy: MetaKeys.self, forKey: .metadata)
        name = try m.decode(String.self, forKey: .name)
        namespace = try m.decodeIfPresent(String.self, forKey: .namespace) ?? ""
        uid = try m.decodeIfPresent(String.self, forKey: .uid) ?? ""
        resourceVersion = try m.decodeIfPresent(String.self, forKey: .resourceVersion) ?? ""
        labels = try m.decodeIfPresent(StringPairs.self, forKey: .labels) ?? [:]
        annotations = try m.decodeIfPresent(StringPairs.self, forKey: .annotations) ?? [:]
        annotations[Self.droppedAnnotation] = nil
        creationTimestamp = try m.decodeIfPresent(Date.self, forKey: .creationTimestamp)
        deletionTimestamp = try m.decodeIfPresent(Date.self, forKey: .deletionTimestamp)
        if c.contains(.status), try !c.decodeNil(forKey: .status) {
            let s = try c.nestedContainer(keyedBy: StatusKeys.self, forKey: .status)
            conditions = try s.decodeIfPresent([JobCondition].self, forKey: .conditions) ?? []
            // A CronJob's `active` is the list of its running Jobs; a Job's is a count.
            if let count = try? s.decodeIfPresent(Int32.self, forKey: .active) {
                active = count
            } else {
                active = Int32(try s.decodeIfPresent([JSONValue].self, forKey: .active)?.count ?? 0)
            }
            succeeded = try s.decodeIfPresent(Int32.self, forKey: .succeeded) ?? 0
            failed = try s.decodeIfPresent(Int32.self, forKey: .failed) ?? 0
        } else {
            conditions = []
            active = 0
            succeeded = 0
            failed = 0
        }
    }

    /// The condition of `type` whose status is `True` (`Failed`, `Complete`), if any.
    public func trueCondition(_ type: String) -> JobCondition? {
        conditions.first { $0.type == type && $0.isTrue }
    }

    /// SPEC: a Job is failed when its `Failed` condition is `True`.
    public var isFailed: Bool { trueCondition("Failed") != nil }
    public var isComplete: Bool { trueCondition("Complete") != nil }
    public var isTerminating: Bool { deletionTimestamp != nil }

    /// The same summary with label and annotation keys, and condition words, sharing storage with
    /// earlier copies: ten thousand Jobs carry the same few keys, stored once instead of 10,000 times.
    func interned(_ strings: inout StringInterner) -> JobSummary {
        var copy = self
        copy.labels = strings.intern(labels)
        copy.annotations = annotations.mapStrings(key: { strings.intern($0) },
                                                  value: { key, value in StringInterner.sharedAnnotationValueKeys.contains(key) ? strings.intern(value) : value })
        copy.conditions = conditions.map { c in
            var c = c
            c.type = strings.intern(c.type)
            c.status = strings.intern(c.status)
            c.reason = c.reason.map { strings.intern($0) }
            return c
        }
        return copy
    }
}

/// Returns one stored instance for equal strings, so repeated label keys share one heap buffer.
struct StringInterner: Sendable {
    private var strings: Set<String> = []
    /// When set, the only labels a cached Job keeps; the label sets are then alike from Job to
    /// Job and stored once (`labelSets`).
    let keptLabels: Set<String>?
    private var labelSets: Set<StringPairs> = []

    init(keptLabels: Set<String>? = nil) { self.keptLabels = keptLabels }

    /// Label keys whose values are the same on every managed Job, worth interning too.
    static let sharedLabelValueKeys: Set<String> = ["app.kubernetes.io/managed-by", "tenant-provisioner/instance"]
    /// Annotation keys whose values most managed Jobs share: the image digests
    /// (`RESOLVE_IMAGE_DIGESTS`), the same for every tenant on the latest digests.
    static let sharedAnnotationValueKeys: Set<String> = ["tenant-provisioner/image-digests"]

    /// A Job's labels with keys (and the values of `sharedLabelValueKeys`) interned; with
    /// `keptLabels`, only those, and the whole set shared with every Job that has the same.
    mutating func intern(_ labels: StringPairs) -> StringPairs {
        var kept = labels
        if let keptLabels {
            for (key, _) in labels where !keptLabels.contains(key) { kept[key] = nil }
            if let index = labelSets.firstIndex(of: kept) { return labelSets[index] }
        }
        let interned = kept.mapStrings(key: { intern($0) },
                                       value: { key, value in Self.sharedLabelValueKeys.contains(key) ? intern(value) : value })
        if keptLabels != nil { labelSets.insert(interned) }
        return interned
    }

    mutating func intern(_ s: String) -> String {
        if let index = strings.firstIndex(of: s) { return strings[index] }
        strings.insert(s)
        return s
    }
}

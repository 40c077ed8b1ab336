/// What a render depends on besides the template, the namespace and the instance (all three
/// fixed for a running provisioner): the account's generation, the OOM escalation's memory
/// override and the image digests pinned (`ImagePins.text`, nil when none). Two renders of one
/// account with equal keys give the same Job and spec hash.
public struct RenderKey: Sendable, Hashable {
    public var generation: Int64
    public var memoryOverride: String?
    public var pins: String?

    public init(generation: Int64, memoryOverride: String?, pins: String? = nil) {
        self.generation = generation
        self.memoryOverride = memoryOverride
        self.pins = pins
    }
}

/// The Job an active account is to get, *not rendered*: its name and what it is rendered from.
/// The planner decides with names and spec hashes only and puts one of these in a create (or,
/// as the successor, in a recreate); the one that sends the Job, `ActionExecutor`, renders it
/// once just before the create. A pass that finds 10,000 Jobs missing therefore queues 10,000
/// small orders, never 10,000 manifests.
public struct JobOrder: Sendable, Equatable {
    /// `JobNaming.name` of the account id under the template's prefix.
    public var name: String
    public var account: Account
    /// `account_status.memory_override`, when it applies to the current template.
    public var memoryOverride: String?
    /// `RESOLVE_IMAGE_DIGESTS`: the digests its images are pinned to (an image without one keeps
    /// its tag); nil when pinning is off.
    public var pins: ImagePins?
    /// The images this order moves to another digest: a roll (`MAX_IMAGE_ROLLS_PER_PASS`) when
    /// `isImageRoll`, otherwise what a replacement for another reason moves along (audited alike).
    public var imageChanges: [ImageChange]
    /// The replacement exists only because tags moved: it counts against the roll budget.
    public var isImageRoll: Bool

    public init(name: String, account: Account, memoryOverride: String? = nil, pins: ImagePins? = nil,
                imageChanges: [ImageChange] = [], isImageRoll: Bool = false) {
        self.name = name
        self.account = account
        self.memoryOverride = memoryOverride
        self.pins = pins
        self.imageChanges = imageChanges
        self.isImageRoll = isImageRoll
    }

    public var accountID: String { account.id }
    public var generation: Int64 { account.generation }
    public var key: RenderKey {
        RenderKey(generation: account.generation, memoryOverride: memoryOverride, pins: pins.flatMap { $0.isEmpty ? nil : $0.text })
    }
}

extension JobTemplate {
    /// The order's Job, rendered (see `render(account:namespace:instance:memoryOverride:)`).
    public func render(_ order: JobOrder, namespace: String, instance: String) throws(RenderError) -> RenderedJob {
        try render(account: order.account, namespace: namespace, instance: instance, memoryOverride: order.memoryOverride, pins: order.pins)
    }

    /// The order's spec hash, for comparing with a Job's annotation. Renders in full (the hash is
    /// over the rendered Job) and keeps nothing but the hash.
    public func specHash(of order: JobOrder, namespace: String, instance: String) throws(RenderError) -> String {
        try render(order, namespace: namespace, instance: instance).specHash
    }
}

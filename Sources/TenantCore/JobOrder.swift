/// What a render depends on besides the template, the namespace and the instance (all three
/// fixed for a running provisioner): the account's generation and the OOM escalation's memory
/// override. Two renders of one account with equal keys give the same Job and spec hash.
public struct RenderKey: Sendable, Hashable {
    public var generation: Int64
    public var memoryOverride: String?

    public init(generation: Int64, memoryOverride: String?) {
        self.generation = generation
        self.memoryOverride = memoryOverride
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

    public init(name: String, account: Account, memoryOverride: String? = nil) {
        self.name = name
        self.account = account
        self.memoryOverride = memoryOverride
    }

    public var accountID: String { account.id }
    public var generation: Int64 { account.generation }
    public var key: RenderKey { RenderKey(generation: account.generation, memoryOverride: memoryOverride) }
}

extension JobTemplate {
    /// The order's Job, rendered (see `render(account:namespace:instance:memoryOverride:)`).
    public func render(_ order: JobOrder, namespace: String, instance: String) throws(RenderError) -> RenderedJob {
        try render(account: order.account, namespace: namespace, instance: instance, memoryOverride: order.memoryOverride)
    }

    /// The order's spec hash, for comparing with a Job's annotation. Renders in full (the hash is
    /// over the rendered Job) and keeps nothing but the hash.
    public func specHash(of order: JobOrder, namespace: String, instance: String) throws(RenderError) -> String {
        try render(order, namespace: namespace, instance: instance).specHash
    }
}

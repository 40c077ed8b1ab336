import Common
import FoundationEssentials
import Kube
import Synchronization
import TenantCore

/// Leader election with a `coordination.k8s.io/v1` Lease, with client-go's timings.
/// Only the holder acts. The decision of each round is `LeaseElection.decide` (pure); this type
/// does the reads and writes and keeps the local observation time it needs.
public final class LeaderElector: Sendable {
    public let leaseName: String
    public let namespace: String
    public let identity: String
    public let timings: LeaseTimings
    private let client: KubeClient
    private let logger: Logger
    private let onChange: @Sendable (Bool) -> Void
    private let state = Mutex(State())

    private struct State {
        var isLeader = false
        var lastRenew: Date?
        var observed: LeaseRecord?
        var observedAt = Date.distantPast
        /// Set by `release`: no round acquires or renews the Lease any more.
        var released = false
    }

    public init(client: KubeClient, namespace: String, leaseName: String, identity: String, timings: LeaseTimings = LeaseTimings(),
                logger: Logger, onChange: @escaping @Sendable (Bool) -> Void) {
        self.client = client
        self.namespace = namespace
        self.leaseName = leaseName
        self.identity = identity
        self.timings = timings
        self.logger = logger.with(["lease.name": leaseName, "lease.identity": identity])
        self.onChange = onChange
    }

    private var isLeader: Bool { state.withLock { $0.isLeader } }

    /// Tries to acquire, then renews, every `retryPeriod` until cancelled. Leadership is given up
    /// when no renewal succeeded for `renewDeadline` (so a partitioned leader stops acting before
    /// its Lease expires for the others).
    public func run() async {
        while !Task.isCancelled && !state.withLock({ $0.released }) {
            let now = Date()
            do {
                try await round(now: now)
            } catch {
                logger.warning("leader election round failed", ["error": "\(error)"])
            }
            let (leader, lastRenew) = state.withLock { ($0.isLeader, $0.lastRenew) }
            if leader, let lastRenew, Date().timeIntervalSince(lastRenew) > timings.renewDeadline {
                logger.error("lost leadership: could not renew the Lease within the renew deadline", ["renew_deadline_s": "\(timings.renewDeadline)"])
                setLeader(false)
            }
            try? await Task.sleep(nanoseconds: UInt64(timings.retryPeriod * 1e9))
        }
    }

    private func round(now: Date) async throws(KubeError) {
        let lease: Lease? = try await client.get(.leases, namespace: namespace, name: leaseName)
        // Released meanwhile (SIGTERM): a round that read the Lease after the release must not
        // take the empty Lease back. One that read it before writes with a stale
        // resourceVersion, which the server refuses (409).
        guard !state.withLock({ $0.released }) else { return }
        let record = lease.map(Self.record)
        let observedAt: Date = state.withLock { s in
            if s.observed != record {
                s.observed = record
                s.observedAt = now
            }
            return s.observedAt
        }
        switch LeaseElection.decide(identity: identity, record: record, observedAt: observedAt, now: now) {
        case .create:
            let spec = LeaseSpec(holderIdentity: identity, leaseDurationSeconds: Int32(timings.leaseDuration),
                                 acquireTime: MicroTime(now), renewTime: MicroTime(now), leaseTransitions: 0)
            do {
                let _: Lease = try await client.create(.leases, namespace: namespace, object: Lease(metadata: ObjectMeta(name: leaseName, namespace: namespace), spec: spec))
                acquired(now)
            } catch where error.isAlreadyExists {
                return  // another replica created it first; the next round reads it
            }
        case .renew:
            guard var lease else { return }
            lease.spec?.renewTime = MicroTime(now)
            lease.spec?.leaseDurationSeconds = Int32(timings.leaseDuration)
            try await write(lease, now: now)
        case .takeOver(let transitions):
            guard var lease else { return }
            logger.info("taking over the Lease", ["lease.previous_holder": lease.spec?.holderIdentity ?? ""])
            lease.spec = LeaseSpec(holderIdentity: identity, leaseDurationSeconds: Int32(timings.leaseDuration),
                                   acquireTime: MicroTime(now), renewTime: MicroTime(now), leaseTransitions: Int32(transitions))
            try await write(lease, now: now)
        case .follow(let holder):
            if isLeader {
                logger.warning("another replica holds the Lease; stepping down", ["lease.holder": holder])
                setLeader(false)
            }
        }
    }

    /// An update with the read resourceVersion: a 409 means another replica wrote first.
    private func write(_ lease: Lease, now: Date) async throws(KubeError) {
        do {
            let _: Lease = try await client.update(.leases, namespace: namespace, name: leaseName, object: lease)
            acquired(now)
        } catch where error.isConflict {
            logger.debug("Lease changed under us; retrying next round")
        }
    }

    private func acquired(_ now: Date) {
        state.withLock { $0.lastRenew = now }
        if !isLeader {
            logger.info("became the leader")
            setLeader(true)
        }
    }

    private func setLeader(_ value: Bool) {
        let changed = state.withLock { s in
            defer { s.isLeader = value }
            return s.isLeader != value
        }
        if changed { onChange(value) }
    }

    /// Gives the Lease up on shutdown so a follower takes over at once instead of after the
    /// lease duration: holder cleared, as client-go's ReleaseOnCancel does.
    public func release() async {
        let wasLeader = state.withLock { s in
            s.released = true
            return s.isLeader
        }
        guard wasLeader else { return }
        setLeader(false)
        do {
            guard var lease: Lease = try await client.get(.leases, namespace: namespace, name: leaseName),
                  lease.spec?.holderIdentity == identity else { return }
            let now = Date()
            lease.spec?.holderIdentity = nil
            lease.spec?.leaseDurationSeconds = 1
            lease.spec?.renewTime = MicroTime(now)
            let _: Lease = try await client.update(.leases, namespace: namespace, name: leaseName, object: lease)
            logger.info("released the Lease")
        } catch {
            logger.warning("could not release the Lease; followers take over when it expires", ["error": "\(error)"])
        }
    }

    static func record(_ lease: Lease) -> LeaseRecord {
        LeaseRecord(holderIdentity: lease.spec?.holderIdentity, leaseDurationSeconds: Int(lease.spec?.leaseDurationSeconds ?? 15),
                    renewTime: lease.spec?.renewTime?.date, leaseTransitions: Int(lease.spec?.leaseTransitions ?? 0),
                    resourceVersion: lease.metadata.resourceVersion ?? "")
    }
}

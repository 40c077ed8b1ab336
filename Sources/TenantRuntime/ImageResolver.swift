import Common
import FoundationEssentials
import TenantCore

/// Keeps the digest of every image tag the rendered workloads use (`RESOLVE_IMAGE_DIGESTS`):
/// `DigestCache` decides when to ask, `RegistryClient` asks, with the credentials of the
/// template's imagePullSecrets for that registry (`credentials`). A registry that fails changes
/// nothing (the last known digest stays), is logged as a warning and counted in `/metrics`.
public actor ImageResolver {
    let client: RegistryClient
    /// The pull credentials for a registry domain (`ImageReference.domain`), if any.
    let credentials: @Sendable (String) async -> RegistryCredentials?
    let logger: Logger
    let metrics: Metrics
    private var cache: DigestCache
    private var references: [String: ImageReference] = [:]
    /// Tags asked at once: a template names a handful of images, a registry should not see a burst.
    static let concurrency = 4

    public init(client: RegistryClient, interval: TimeInterval, credentials: @escaping @Sendable (String) async -> RegistryCredentials?,
                logger: Logger, metrics: Metrics) {
        self.client = client
        self.cache = DigestCache(interval: interval)
        self.credentials = credentials
        self.logger = logger
        self.metrics = metrics
    }

    /// Starts tracking an image (its first digest comes with the next `refresh`).
    public func want(_ reference: ImageReference) {
        guard !reference.isPinned else { return }
        references[reference.key] = reference
        cache.want(reference.key)
    }

    /// Digests by image key, as pinning uses them.
    public var table: [String: String] { cache.table }

    /// Asks the registries about every tag that is due; returns the tags that moved.
    @discardableResult
    public func refresh(now: Date = Date()) async -> [(key: String, from: String, to: String)] {
        let due = cache.due(now: now).compactMap { references[$0] }
        var answers: [(String, Result<String, DigestProblem>)] = []
        for batch in stride(from: 0, to: due.count, by: Self.concurrency).map({ Array(due[$0..<min($0 + Self.concurrency, due.count)]) }) {
            let (client, credentials) = (self.client, self.credentials)
            await withTaskGroup(of: (String, Result<String, DigestProblem>).self) { group in
                for reference in batch {
                    group.addTask {
                        let answer = await client.digest(of: reference, credentials: await credentials(reference.domain))
                        return (reference.key, answer.mapError { DigestProblem($0.description) })
                    }
                }
                for await answer in group { answers.append(answer) }
            }
        }
        var moved: [(key: String, from: String, to: String)] = []
        for (key, answer) in answers.sorted(by: { $0.0 < $1.0 }) {
            switch cache.record(key, answer: answer, now: now) {
            case .moved(let from, let to):
                moved.append((key, from, to))
                logger.info("image tag moved", ["image": key, "digest.old": from, "digest.new": to])
            case .first(let digest):
                logger.info("image digest resolved", ["image": key, "digest": digest])
            case .failed(let kept, let problem):
                metrics.increment("tenant_provisioner_image_resolve_failures_total")
                logger.warning(kept == nil ? "image digest not resolved; the tag is used as it is until the registry answers"
                                           : "image digest not refreshed; the last known digest stays",
                               ["image": key, "error": problem, "digest.kept": kept ?? ""])
            case .unchanged:
                break
            }
        }
        metrics.set("tenant_provisioner_images_unresolved", Double(cache.unresolved))
        return moved
    }
}

import Common
import FoundationEssentials
import Kube
import TenantCore

/// `RESOLVE_IMAGE_DIGESTS` wired for one template: the images it names, the registry
/// credentials of its imagePullSecrets (read again before every round, so a rotated password is
/// used without a restart), and the resolver that keeps each tag's digest. The provisioner's
/// resolve loop and `provisioner plan` both go through `refresh`.
public final class ImageDigestSource: Sendable {
    public let references: [ImageReference]
    let resolver: ImageResolver
    let secrets: PullSecrets
    let credentials = Shared<[String: RegistryCredentials]>([:])
    /// The Secrets' problems last said, so a lasting one is logged once, not every round.
    private let lastProblems = Shared<[String]>([])
    let logger: Logger

    public init(settings: ImageSettings, template: JobTemplate, client: KubeClient, namespace: String, logger: Logger, metrics: Metrics) {
        references = template.namedImages.references
        secrets = PullSecrets(client: client, namespace: namespace, names: template.imagePullSecretNames)
        let credentials = self.credentials
        resolver = ImageResolver(client: RegistryClient(insecureRegistries: settings.insecureRegistries), interval: settings.interval,
                                 credentials: { domain in credentials.get()[domain] }, logger: logger, metrics: metrics)
        self.logger = logger
    }

    /// The image keys the template names: what a plan pins.
    public var keys: [String] { references.map(\.key) }

    /// Reads the pull Secrets, asks the registries about every tag that is due and returns
    /// every known digest by image key. Never fails: what went wrong is logged and counted, and
    /// the last known digests stay.
    public func refresh() async -> [String: String] {
        for reference in references { await resolver.want(reference) }
        if !secrets.names.isEmpty {
            let (byDomain, problems) = await secrets.credentials()
            credentials.set(byDomain)
            let changed = lastProblems.withLock { last in
                defer { last = problems }
                return last != problems
            }
            if changed {
                for problem in problems {
                    logger.warning("an image pull Secret cannot be used to resolve digests; its registries are asked without its credentials", ["problem": problem])
                }
            }
        }
        await resolver.refresh()
        return await resolver.table
    }
}

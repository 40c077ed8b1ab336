import Common
import FoundationEssentials
import Kube
import Postgres
import TenantCore

/// `provisioner plan`: one pass computed against the real database and cluster, printed, and
/// nothing changed (the same as one pass of `DRY_RUN=true`).
public enum PlanCommand {
    public static func run(_ deps: ProvisionerService.Dependencies) async -> Int32 {
        var settings = deps.settings
        settings.dryRun = true
        let logger = deps.logger
        let client = KubeClient(config: deps.kube, rateLimit: settings.rateLimit, logger: logger)
        let cache = JobCache(client: client, namespace: deps.namespace, labelSelector: ManagedMetadata.selector(instance: settings.instance),
                             resource: deps.template.kind.resource, keptLabels: ManagedMetadata.readLabels, logger: logger)
        let store = ProvisionerStore(connection: PostgresConnection(config: deps.database, logger: logger), actor: settings.identity)
        let reconciler = Reconciler(store: store, cache: cache, queue: ActionQueue(), template: deps.template,
                                    options: .init(namespace: deps.namespace, instance: settings.instance, rerunAfterSuccess: settings.rerunAfterSuccess, dryRun: true,
                                                   imageKeys: settings.images.resolve ? deps.template.namedImages.references.map(\.key) : nil,
                                                   maxImageRollsPerPass: settings.images.maxRollsPerPass),
                                    deleteBudget: IntervalBudget(limit: settings.maxDeletesPerPass, window: settings.pollInterval),
                                    logger: logger, metrics: Metrics())
        let cacheTask = Task { await cache.run() }
        defer { cacheTask.cancel() }
        guard await cache.waitForSync(timeout: 60) else {
            logger.error("could not list the Jobs from the Kubernetes API within 60 s")
            return ExitCode.failure.rawValue
        }
        // With RESOLVE_IMAGE_DIGESTS: the registries asked once, so the plan shows the rolls a
        // pass would make now (and, over MAX_IMAGE_ROLLS_PER_PASS, `roll-pending` with both digests).
        if settings.images.resolve {
            let images = ImageDigestSource(settings: settings.images, template: deps.template, client: client, namespace: deps.namespace,
                                           logger: logger, metrics: Metrics())
            await reconciler.setImageDigests(await images.refresh())
        }
        do {
            let report = try await reconciler.fullPass()
            // The cache holds only our Jobs; one unfiltered list shows which names others hold.
            let everyJob: KubeList<JobSummary>
            do {
                everyJob = try await client.listAll(deps.template.kind.resource, namespace: deps.namespace)
            } catch {
                logger.error("cannot list the Jobs of the namespace", ["error": error.description])
                return ExitCode.failure.rawValue
            }
            print(report.plan.reportingNameHolders(everyJob.items.map { ObservedJob($0, kind: deps.template.kind) }, instance: settings.instance).description)
            return ExitCode.success.rawValue
        } catch {
            logger.error("cannot compute the plan", ["error": error.description])
            return ExitCode.failure.rawValue
        }
    }
}

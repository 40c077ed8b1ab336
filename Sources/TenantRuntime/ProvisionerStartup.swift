import Common
import FoundationEssentials
import Kube
import Postgres
import TenantCore

/// Everything the provisioner validates before it starts: environment, Job template, database
/// URL, Kubernetes credentials. Any problem is a configuration error (exit 2) naming the
/// variable or file and what is allowed; nothing here connects anywhere.
public enum ProvisionerStartup {
    public static func load(environment: [String: String], hostName: String) throws(ConfigError) -> ProvisionerService.Dependencies {
        let env = Environment(environment)
        let settings = try ProvisionerSettings.from(env, hostName: hostName)
        let template: JobTemplate
        do {
            template = try JobTemplate.load(path: settings.jobTemplatePath)
        } catch {
            throw error.configError
        }
        if let cap = settings.maxRunningJobs, template.kind != .job {
            throw ConfigError(name: "MAX_RUNNING_JOBS", value: String(cap),
                              problem: "caps how many Jobs run at once, but \(settings.jobTemplatePath) is a \(template.kind.rawValue) template; unset MAX_RUNNING_JOBS (a CronJob's concurrencyPolicy or a Deployment's replicas say how much of each runs)")
        }
        if settings.images.resolve, let problem = template.namedImages.problems.first {
            throw ConfigError(name: "RESOLVE_IMAGE_DIGESTS", value: "true", problem: "cannot pin the images of \(settings.jobTemplatePath): \(problem)")
        }
        let database = try PostgresConfig.fromEnvironment(env)
        let kube: KubeConfig
        do {
            kube = try KubeConfigLoader.load(environment: environment)
        } catch {
            throw ConfigError(name: environment["KUBECONFIG"].map { _ in "KUBECONFIG" } ?? "Kubernetes credentials", value: nil, problem: error.description)
        }
        let namespace = try KubeConfigLoader.validNamespace(environment: environment, config: kube)
        let logger = Logger(label: "provisioner", sink: .standardError(minimumLevel: settings.logLevel, format: settings.logFormat))
        return ProvisionerService.Dependencies(settings: settings, template: template, database: database, kube: kube, namespace: namespace, logger: logger)
    }
}

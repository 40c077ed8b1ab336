import Common
import FoundationEssentials
import Kube
import Postgres

/// Everything `restarter` validates before it starts; any problem is a configuration error
/// (exit 2) naming the variable. Nothing here connects anywhere.
public enum RestarterStartup {
    public static func load(environment: [String: String], hostName: String) throws(ConfigError) -> RestarterService.Dependencies {
        let env = Environment(environment)
        let settings = try RestarterSettings.from(env, hostName: hostName)
        // Optional here: without DATABASE_URL there is no failure history (the PG* variables
        // alone do not turn it on).
        let database = try env.string("DATABASE_URL").map { url throws(ConfigError) in
            try PostgresConfig(connectionString: url, applicationName: "tenant-restarter")
        }
        let kube: KubeConfig
        do {
            kube = try KubeConfigLoader.load(environment: environment)
        } catch {
            throw ConfigError(name: environment["KUBECONFIG"].map { _ in "KUBECONFIG" } ?? "Kubernetes credentials", value: nil, problem: error.description)
        }
        let namespace = try KubeConfigLoader.validNamespace(environment: environment, config: kube)
        let logger = Logger(label: "restarter", sink: .standardError(minimumLevel: settings.logLevel, format: settings.logFormat))
        return RestarterService.Dependencies(settings: settings, database: database, kube: kube, namespace: namespace, logger: logger)
    }
}

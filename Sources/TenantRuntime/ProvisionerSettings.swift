import Common
import Kube
import FoundationEssentials

/// Everything `provisioner` reads from its environment, validated in one place.
/// Every variable, its default and meaning: `ConfigurationTable` (Common), the one table.
public struct ProvisionerSettings: Sendable, Equatable {
    public var instance: String
    public var jobTemplatePath: String
    public var pollInterval: Double
    public var maxDeletesPerPass: Int
    public var dryRun: Bool
    public var rerunAfterSuccess: Double?
    /// `MAX_RUNNING_JOBS`: nil runs every account's Job at once.
    public var maxRunningJobs: Int?
    public var leaseName: String
    public var leaderElection: Bool
    public var identity: String
    public var rateLimit: KubeClient.RateLimit
    public var healthPort: Int
    public var restart: RestartConfiguration
    /// `RESOLVE_IMAGE_DIGESTS` and its settings.
    public var images: ImageSettings
    public var logLevel: LogLevel
    public var logFormat: LogFormat

    public static func from(_ env: Environment, hostName: String) throws(ConfigError) -> ProvisionerSettings {
        let instance = env.string("INSTANCE", default: "default")
        guard LabelValue.isValid(instance) else {
            throw ConfigError(name: "INSTANCE", value: instance, problem: "must be a valid label value: at most 63 characters of [A-Za-z0-9._-], starting and ending with a letter or digit")
        }
        let leaseName = env.string("LEASE_NAME", default: "tenant-provisioner-\(instance.lowercased())")
        guard DNSName.isSubdomain(leaseName) else {
            throw ConfigError(name: "LEASE_NAME", value: leaseName, problem: "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', at most 253 characters")
        }
        return ProvisionerSettings(
            instance: instance,
            jobTemplatePath: env.string("JOB_TEMPLATE", default: "/etc/provisioner/job-template.yaml"),
            pollInterval: try env.number("POLL_INTERVAL", default: 30, range: 0.1...86400),
            maxDeletesPerPass: try env.integer("MAX_DELETES_PER_PASS", default: 100, range: 0...1_000_000),
            dryRun: try env.boolean("DRY_RUN", default: false),
            rerunAfterSuccess: try env.optionalNumber("RERUN_AFTER_SUCCESS", range: 0...31_536_000),
            maxRunningJobs: try env.optionalInteger("MAX_RUNNING_JOBS", range: 1...1_000_000),
            leaseName: leaseName,
            leaderElection: try env.boolean("LEADER_ELECTION", default: true),
            identity: env.string("POD_NAME", default: hostName),
            rateLimit: try KubeClient.RateLimit.from(env),
            healthPort: try env.integer("HEALTH_PORT", default: 8080, range: 0...65535),
            restart: try RestartConfiguration.from(env),
            images: try ImageSettings.from(env),
            logLevel: try env.choice("LOG_LEVEL", default: LogLevel.info),
            logFormat: try env.choice("LOG_FORMAT", default: LogFormat.text)
        )
    }

    /// The effective configuration for the start-up log line (no secrets live in this struct).
    public var logMetadata: [String: String] {
        var m: [String: String] = [
            "instance": instance, "job_template": jobTemplatePath, "poll_interval": "\(pollInterval)",
            "max_deletes_per_pass": "\(maxDeletesPerPass)", "dry_run": "\(dryRun)", "lease_name": leaseName,
            "leader_election": "\(leaderElection)", "identity": identity, "kube_qps": "\(rateLimit.qps)",
            "kube_burst": "\(rateLimit.burst)", "health_port": "\(healthPort)",
        ]
        m.merge(restart.logMetadata) { a, _ in a }
        m.merge(images.logMetadata) { a, _ in a }
        if let rerunAfterSuccess { m["rerun_after_success"] = "\(rerunAfterSuccess)" }
        if let maxRunningJobs { m["max_running_jobs"] = "\(maxRunningJobs)" }
        return m
    }
}

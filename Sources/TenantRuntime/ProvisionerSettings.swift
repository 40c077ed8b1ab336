import Common
import Kube
import Foundation

/// Everything `provisioner` reads from its environment, validated in one place.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `DATABASE_URL` | libpq `PG*` variables | PostgreSQL connection (URI or key=value) |
/// | `NAMESPACE` | pod namespace, else kubeconfig context, else `default` | where Jobs live |
/// | `INSTANCE` | `default` | value of the `tenant-provisioner/instance` label; only Jobs with it are touched |
/// | `JOB_TEMPLATE` | `/etc/provisioner/job-template.yaml` | the Job template |
/// | `POLL_INTERVAL` | `30` | seconds between full passes |
/// | `MAX_DELETES_PER_PASS` | `100` | deletions allowed per `POLL_INTERVAL` (NOTIFY-triggered included) |
/// | `DRY_RUN` | `false` | print the plan, change nothing |
/// | `RERUN_AFTER_SUCCESS` | unset | seconds after which a completed Job is recreated |
/// | `LEASE_NAME` | `tenant-provisioner-<INSTANCE>` | the leader-election Lease |
/// | `LEADER_ELECTION` | `true` | `false` for a single replica outside a cluster |
/// | `POD_NAME` | host name | this replica's identity (Lease holder, `audit_log.actor`) |
/// | `KUBE_QPS` / `KUBE_BURST` | `20` / `40` | client-side rate limit |
/// | `HEALTH_PORT` | `8080` | `/healthz`, `/readyz`, `/metrics` |
/// | `RESTART_*`, `SKIP_DELAY_ON_OOM`, `LOG_TAIL_LINES`, `OOM_MEMORY_*` | see `RestartConfiguration` | the restart logic |
/// | `LOG_LEVEL` / `LOG_FORMAT` | `info` / `text` | logging |
public struct ProvisionerSettings: Sendable, Equatable {
    public var instance: String
    public var jobTemplatePath: String
    public var pollInterval: Double
    public var maxDeletesPerPass: Int
    public var dryRun: Bool
    public var rerunAfterSuccess: Double?
    public var leaseName: String
    public var leaderElection: Bool
    public var identity: String
    public var rateLimit: KubeClient.RateLimit
    public var healthPort: Int
    public var restart: RestartConfiguration
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
            leaseName: leaseName,
            leaderElection: try env.boolean("LEADER_ELECTION", default: true),
            identity: env.string("POD_NAME", default: hostName),
            rateLimit: try KubeClient.RateLimit.from(env),
            healthPort: try env.integer("HEALTH_PORT", default: 8080, range: 0...65535),
            restart: try RestartConfiguration.from(env),
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
        if let rerunAfterSuccess { m["rerun_after_success"] = "\(rerunAfterSuccess)" }
        return m
    }
}

import Common
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
/// | `RECREATE_TIMEOUT` | `300` | seconds to wait for a deleted Job to be gone before giving up |
/// | `RESTART_DELAY` | `3600` | seconds before restarting a failed Job |
/// | `RESTART_BACKOFF_FACTOR` | `1` | delay multiplier per consecutive failure |
/// | `RESTART_DELAY_MAX` | `86400` | cap of the restart delay |
/// | `SKIP_DELAY_ON_OOM` | `false` | restart at once after an OOMKilled container |
/// | `LOG_TAIL_LINES` | `50` | log lines kept per failed container |
/// | `OOM_MEMORY_FACTOR` / `OOM_MEMORY_MAX` | unset | opt-in memory escalation after OOMKilled |
/// | `LOG_LEVEL` / `LOG_FORMAT` | `info` / `text` | logging |
public struct ProvisionerSettings: Sendable, Equatable {
    public var namespace: String?
    public var instance: String
    public var jobTemplatePath: String
    public var pollInterval: Double
    public var maxDeletesPerPass: Int
    public var dryRun: Bool
    public var rerunAfterSuccess: Double?
    public var leaseName: String
    public var leaderElection: Bool
    public var identity: String
    public var kubeQPS: Double
    public var kubeBurst: Int
    public var healthPort: Int
    public var recreateTimeout: Double
    public var restartDelay: Double
    public var restartBackoffFactor: Double
    public var restartDelayMax: Double
    public var skipDelayOnOOM: Bool
    public var logTailLines: Int
    public var oomMemoryFactor: Double?
    public var oomMemoryMax: String?
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
        let namespace = env.string("NAMESPACE")
        if let namespace, !DNSName.isLabel(namespace) {
            throw ConfigError(name: "NAMESPACE", value: namespace, problem: "must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters")
        }
        let restartDelay = try env.number("RESTART_DELAY", default: 3600, range: 0...31_536_000)
        let restartDelayMax = try env.number("RESTART_DELAY_MAX", default: max(86400, restartDelay), range: 0...31_536_000)
        guard restartDelayMax >= restartDelay else {
            throw ConfigError(name: "RESTART_DELAY_MAX", value: env.string("RESTART_DELAY_MAX"), problem: "must not be smaller than RESTART_DELAY (\(restartDelay))")
        }
        let oomFactor = try env.optionalNumber("OOM_MEMORY_FACTOR", range: 1.01...100)
        let oomMax = env.string("OOM_MEMORY_MAX")
        if oomFactor != nil && oomMax == nil {
            throw ConfigError(name: "OOM_MEMORY_MAX", value: nil, problem: "must be set (a memory quantity such as 4Gi) when OOM_MEMORY_FACTOR is set")
        }
        return ProvisionerSettings(
            namespace: namespace,
            instance: instance,
            jobTemplatePath: env.string("JOB_TEMPLATE", default: "/etc/provisioner/job-template.yaml"),
            pollInterval: try env.number("POLL_INTERVAL", default: 30, range: 0.1...86400),
            maxDeletesPerPass: try env.integer("MAX_DELETES_PER_PASS", default: 100, range: 0...1_000_000),
            dryRun: try env.boolean("DRY_RUN", default: false),
            rerunAfterSuccess: try env.optionalNumber("RERUN_AFTER_SUCCESS", range: 0...31_536_000),
            leaseName: leaseName,
            leaderElection: try env.boolean("LEADER_ELECTION", default: true),
            identity: env.string("POD_NAME", default: hostName),
            kubeQPS: try env.number("KUBE_QPS", default: 20, range: 0.1...10_000),
            kubeBurst: try env.integer("KUBE_BURST", default: 40, range: 1...100_000),
            healthPort: try env.integer("HEALTH_PORT", default: 8080, range: 0...65535),
            recreateTimeout: try env.number("RECREATE_TIMEOUT", default: 300, range: 1...86400),
            restartDelay: restartDelay,
            restartBackoffFactor: try env.number("RESTART_BACKOFF_FACTOR", default: 1, range: 1...100),
            restartDelayMax: restartDelayMax,
            skipDelayOnOOM: try env.boolean("SKIP_DELAY_ON_OOM", default: false),
            logTailLines: try env.integer("LOG_TAIL_LINES", default: 50, range: 0...100_000),
            oomMemoryFactor: oomFactor,
            oomMemoryMax: oomMax,
            logLevel: try env.choice("LOG_LEVEL", default: LogLevel.info),
            logFormat: try env.choice("LOG_FORMAT", default: LogFormat.text)
        )
    }

    /// The effective configuration for the start-up log line (no secrets live in this struct).
    public var logMetadata: [String: String] {
        var m: [String: String] = [
            "instance": instance, "job_template": jobTemplatePath, "poll_interval": "\(pollInterval)",
            "max_deletes_per_pass": "\(maxDeletesPerPass)", "dry_run": "\(dryRun)", "lease_name": leaseName,
            "leader_election": "\(leaderElection)", "identity": identity, "kube_qps": "\(kubeQPS)",
            "kube_burst": "\(kubeBurst)", "health_port": "\(healthPort)", "restart_delay": "\(restartDelay)",
            "restart_backoff_factor": "\(restartBackoffFactor)", "restart_delay_max": "\(restartDelayMax)",
            "skip_delay_on_oom": "\(skipDelayOnOOM)", "log_tail_lines": "\(logTailLines)",
        ]
        if let namespace { m["namespace"] = namespace }
        if let rerunAfterSuccess { m["rerun_after_success"] = "\(rerunAfterSuccess)" }
        if let oomMemoryFactor { m["oom_memory_factor"] = "\(oomMemoryFactor)" }
        if let oomMemoryMax { m["oom_memory_max"] = oomMemoryMax }
        return m
    }
}

import Common
import Kube
import FoundationEssentials

/// Everything `restarter` reads from its environment, validated in one place. The variable
/// names are those of the Python Job restarter it replaces (flickr-immich-k8s-sync-operator).
/// Every variable, its default and meaning: `ConfigurationTable` (Common), the one table.
public struct RestarterSettings: Sendable, Equatable {
    /// Which Jobs are restarted.
    public enum Target: Sendable, Equatable {
        case names(Set<String>)
        case selector(String)

        /// The label selector the Job watch uses ("" watches every Job of the namespace and
        /// keeps the named ones).
        public var labelSelector: String {
            switch self {
            case .names: ""
            case .selector(let selector): selector
            }
        }

        public func matches(_ name: String) -> Bool {
            switch self {
            case .names(let names): names.contains(name)
            case .selector: true  // the watch selects them
            }
        }
    }

    public var target: Target
    public var checkInterval: Double
    public var restart: RestartConfiguration
    public var healthPort: Int
    public var leaderElection: Bool
    public var leaseName: String
    public var identity: String
    public var rateLimit: KubeClient.RateLimit
    public var logLevel: LogLevel
    public var logFormat: LogFormat

    public static func from(_ env: Environment, hostName: String) throws(ConfigError) -> RestarterSettings {
        let target: Target
        switch (env.string("JOB_NAMES"), env.string("JOB_SELECTOR")) {
        case (let names?, nil):
            let list = names.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
            guard !list.isEmpty else {
                throw ConfigError(name: "JOB_NAMES", value: names, problem: "names no Job; give comma-separated Job names such as \"sync-a,sync-b\"")
            }
            if let bad = list.first(where: { !DNSName.isSubdomain($0) }) {
                throw ConfigError(name: "JOB_NAMES", value: names, problem: "\(JSONText.quote(bad)) is not a Job name (lowercase letters, digits, '-' and '.')")
            }
            target = .names(Set(list))
        case (nil, let selector?):
            if let problem = LabelSelector.problem(in: selector) {
                throw ConfigError(name: "JOB_SELECTOR", value: selector, problem: "not a label selector: \(problem); e.g. \"app=sync\" or \"team in (a,b)\"")
            }
            target = .selector(selector)
        case (nil, nil):
            throw ConfigError(name: "JOB_NAMES", value: nil, problem: "set JOB_NAMES (comma-separated Job names) or JOB_SELECTOR (a label selector) to say which Jobs to restart")
        case (_?, _?):
            throw ConfigError(name: "JOB_SELECTOR", value: env.string("JOB_SELECTOR"), problem: "set either JOB_NAMES or JOB_SELECTOR, not both")
        }
        let leaseName = env.string("LEASE_NAME", default: "tenant-restarter")
        guard DNSName.isSubdomain(leaseName) else {
            throw ConfigError(name: "LEASE_NAME", value: leaseName, problem: "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', at most 253 characters")
        }
        return RestarterSettings(
            target: target,
            checkInterval: try env.number("CHECK_INTERVAL", default: 60, range: 1...86400),
            restart: try RestartConfiguration.from(env),
            healthPort: try env.integer("HEALTH_PORT", default: 8080, range: 0...65535),
            leaderElection: try env.boolean("LEADER_ELECTION", default: true),
            leaseName: leaseName,
            identity: env.string("POD_NAME", default: hostName),
            rateLimit: try KubeClient.RateLimit.from(env),
            logLevel: try env.choice("LOG_LEVEL", default: LogLevel.info),
            logFormat: try env.choice("LOG_FORMAT", default: LogFormat.text))
    }

    public var logMetadata: [String: String] {
        var m = ["check_interval": "\(checkInterval)", "health_port": "\(healthPort)", "leader_election": "\(leaderElection)",
                 "lease_name": leaseName, "identity": identity, "kube_qps": "\(rateLimit.qps)", "kube_burst": "\(rateLimit.burst)"]
        switch target {
        case .names(let names): m["job_names"] = names.sorted().joined(separator: ",")
        case .selector(let selector): m["job_selector"] = selector
        }
        m.merge(restart.logMetadata) { a, _ in a }
        return m
    }
}

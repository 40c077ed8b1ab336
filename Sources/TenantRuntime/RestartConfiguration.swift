import Common
import FoundationEssentials
import TenantCore

/// The restart settings `provisioner` and `restarter` share, read and validated in one place.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `RESTART_DELAY` | `3600` | seconds from a Job's failure to its restart |
/// | `RESTART_BACKOFF_FACTOR` | `1` | delay multiplier per consecutive failure (1: fixed delay) |
/// | `RESTART_DELAY_MAX` | `86400` (or `RESTART_DELAY` when larger) | cap of the delay |
/// | `SKIP_DELAY_ON_OOM` | `false` | restart at once when a container was OOMKilled |
/// | `LOG_TAIL_LINES` | `50` | log lines kept per failed container (at most 64 KiB) |
/// | `OOM_MEMORY_FACTOR` / `OOM_MEMORY_MAX` | unset | opt-in: memory × factor after an OOM kill, up to the max |
public struct RestartConfiguration: Sendable, Equatable {
    public var policy: RestartPolicy
    public var logTailLines: Int
    public var escalation: MemoryEscalation?

    public init(policy: RestartPolicy = RestartPolicy(), logTailLines: Int = 50, escalation: MemoryEscalation? = nil) {
        self.policy = policy
        self.logTailLines = logTailLines
        self.escalation = escalation
    }

    public static func from(_ env: Environment) throws(ConfigError) -> RestartConfiguration {
        let delay = try env.number("RESTART_DELAY", default: 3600, range: 0...31_536_000)
        let delayMax = try env.number("RESTART_DELAY_MAX", default: max(86400, delay), range: 0...31_536_000)
        guard delayMax >= delay else {
            throw ConfigError(name: "RESTART_DELAY_MAX", value: env.string("RESTART_DELAY_MAX"), problem: "must not be smaller than RESTART_DELAY (\(delay))")
        }
        let policy = RestartPolicy(delay: delay, backoffFactor: try env.number("RESTART_BACKOFF_FACTOR", default: 1, range: 1...100),
                                   maxDelay: delayMax, skipDelayOnOOM: try env.boolean("SKIP_DELAY_ON_OOM", default: false))
        var escalation: MemoryEscalation?
        if let factor = try env.optionalNumber("OOM_MEMORY_FACTOR", range: 1.01...100) {
            guard let maxText = env.string("OOM_MEMORY_MAX") else {
                throw ConfigError(name: "OOM_MEMORY_MAX", value: nil, problem: "must be set (a memory quantity such as 4Gi) when OOM_MEMORY_FACTOR is set")
            }
            guard let max = MemoryQuantity(maxText), max.bytes > 0 else {
                throw ConfigError(name: "OOM_MEMORY_MAX", value: maxText, problem: "must be a memory quantity above zero, such as 4Gi, 4096Mi or 4G")
            }
            escalation = MemoryEscalation(factor: factor, max: max)
        } else if let maxText = env.string("OOM_MEMORY_MAX") {
            throw ConfigError(name: "OOM_MEMORY_FACTOR", value: nil, problem: "must be set (a number above 1, such as 1.5) when OOM_MEMORY_MAX (\(maxText)) is set")
        }
        return RestartConfiguration(policy: policy, logTailLines: try env.integer("LOG_TAIL_LINES", default: 50, range: 0...100_000), escalation: escalation)
    }

    /// For the start-up log line.
    public var logMetadata: [String: String] {
        var m = ["restart_delay": "\(policy.delay)", "restart_backoff_factor": "\(policy.backoffFactor)", "restart_delay_max": "\(policy.maxDelay)",
                 "skip_delay_on_oom": "\(policy.skipDelayOnOOM)", "log_tail_lines": "\(logTailLines)"]
        if let escalation {
            m["oom_memory_factor"] = "\(escalation.factor)"
            m["oom_memory_max"] = escalation.max.description
        }
        return m
    }
}

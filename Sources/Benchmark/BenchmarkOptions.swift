import Common
import Foundation

/// What one benchmark run measures and with which knobs, from the command line.
///
///     provisioner-bench [--sizes 1000,10000] [--notify-samples 100] [--kube-qps 1000] [--kube-burst 1000]
///                       [--idle-passes 4] [--poll-interval 5] [--default-rate-check 1000]
///                       [--no-schema-validation] [--env KEY=VALUE]...
///
/// PostgreSQL comes from `TEST_DATABASE_URL` (a server it may create databases on, as
/// `scripts/postgres-sandbox` prints); the `provisioner` binary is the one built next to this one.
struct BenchmarkOptions: Sendable {
    var sizes: [Int] = [1000, 10000]
    var notifySamples = 100
    /// Pause between two NOTIFY-path inserts, so each one is measured on its own.
    var notifySpacing = 0.1
    var kubeQPS = 1000.0
    var kubeBurst = 1000
    var idlePasses = 4
    /// Accounts for the extra round at the default `KUBE_QPS`=20 / `KUBE_BURST`=40 (0: skip it).
    var defaultRateCheckSize = 1000
    var pollInterval = 5.0
    var schemaValidation = true
    var podStartDelay = 0.05
    var provisionerPath: String
    var restarterPath: String
    var jobTemplatePath: String
    /// Jobs for the restart rounds of issue 11 (0: skip them); `--restarts-only` skips the rest.
    var restartJobs = 1000
    var restartsOnly = false
    /// Seconds of the restart rounds' idle window.
    var restartIdleWindow = 60.0
    /// Extra environment for the provisioner (`--env MALLOC_ARENA_MAX=2`), for experiments.
    var provisionerEnvironment: [String: String] = [:]

    static let usage = """
        Usage: provisioner-bench [--sizes 1000,10000] [--notify-samples 100] [--kube-qps 1000] [--kube-burst 1000]
                                 [--idle-passes 4] [--poll-interval 5] [--pod-start-delay 0.05] [--default-rate-check 1000]
                                 [--no-schema-validation]
                                 [--restart-jobs 1000] [--restart-idle-window 60] [--restarts-only]
                                 [--provisioner PATH] [--restarter PATH] [--job-template PATH] [--env KEY=VALUE]...
        Needs TEST_DATABASE_URL (run it through scripts/bench, which starts PostgreSQL and builds release binaries).
        Prints one markdown table on stdout; progress goes to stderr.
        """

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ arguments: [String], packageRoot: URL, binDirectory: URL) throws(UsageError) -> BenchmarkOptions {
        var options = BenchmarkOptions(provisionerPath: binDirectory.appendingPathComponent("provisioner").path,
                                       restarterPath: binDirectory.appendingPathComponent("restarter").path,
                                       jobTemplatePath: packageRoot.appendingPathComponent("deploy/base/job-template.yaml").path)
        var rest = arguments[...]
        func value(_ flag: String) throws(UsageError) -> String {
            guard let v = rest.popFirst() else { throw UsageError(description: "\(flag) needs a value\n\n\(usage)") }
            return v
        }
        func number<T: LosslessStringConvertible & Comparable>(_ flag: String, min: T) throws(UsageError) -> T {
            let raw = try value(flag)
            guard let v = T(raw), v >= min else { throw UsageError(description: "\(flag) \(raw): expected a number of at least \(min)") }
            return v
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--sizes":
                let raw = try value(flag)
                let sizes = raw.split(separator: ",").compactMap { Int($0) }
                guard !sizes.isEmpty, sizes.count == raw.split(separator: ",").count, sizes.allSatisfy({ $0 > 0 }) else {
                    throw UsageError(description: "--sizes \(raw): expected positive whole numbers separated by commas, e.g. 1000,10000")
                }
                options.sizes = sizes
            case "--notify-samples": options.notifySamples = try number(flag, min: 1)
            case "--kube-qps": options.kubeQPS = try number(flag, min: 0.1)
            case "--kube-burst": options.kubeBurst = try number(flag, min: 1)
            case "--idle-passes": options.idlePasses = try number(flag, min: 1)
            case "--default-rate-check": options.defaultRateCheckSize = try number(flag, min: 0)
            case "--poll-interval": options.pollInterval = try number(flag, min: 0.5)
            case "--pod-start-delay": options.podStartDelay = try number(flag, min: 0)
            case "--no-schema-validation": options.schemaValidation = false
            case "--provisioner": options.provisionerPath = try value(flag)
            case "--restarter": options.restarterPath = try value(flag)
            case "--restart-jobs": options.restartJobs = try number(flag, min: 0)
            case "--restarts-only": options.restartsOnly = true
            case "--restart-idle-window": options.restartIdleWindow = try number(flag, min: 1)
            case "--job-template": options.jobTemplatePath = try value(flag)
            case "--env":
                let pair = try value(flag)
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw UsageError(description: "--env \(pair): expected KEY=VALUE")
                }
                options.provisionerEnvironment[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            case "--help", "-h":
                throw UsageError(description: usage)
            default:
                throw UsageError(description: "unknown argument \(flag)\n\n\(usage)")
            }
        }
        return options
    }
}

/// The figures measured for one number of accounts.
struct SizeResult: Sendable {
    var accounts: Int
    var kubeQPS: Double
    var kubeBurst: Int
    /// Seconds from starting the provisioner until the watch saw all `accounts` Jobs.
    var convergence: Double
    /// Seconds from starting the provisioner until the first Job was seen (startup and first list).
    var firstJob: Double?
    /// CPU seconds used during convergence.
    var provisionerCPU: Double?
    var emulatorCPU: Double?
    /// `tenant_provisioner_pass_duration_seconds` after each idle full pass.
    var idlePassDurations: [Double]
    /// The database reads every full pass makes, timed from the benchmark through the same Postgres module.
    var passReads: PassReads?
    /// Non-watch API requests the emulator served during the idle passes, by "verb resource".
    var idleRequests: [String: Int]
    /// Full passes in the idle window that logged a change (should be none).
    var busyPassesInIdleWindow: Int
    /// Insert → Job seen, in seconds, one per NOTIFY sample whose Job appeared.
    var notifyLatencies: [Double]
    var notifySamples: Int
    /// After the idle passes, before the NOTIFY samples.
    var memoryWhenIdle: ProcessMemory?
    /// `tenant_provisioner_heap_in_use_bytes` after the idle passes: malloc'd and not freed.
    var heapWhenIdle: Int?
    /// At the end, after the NOTIFY samples.
    var memory: ProcessMemory?
    /// Exit code of the provisioner on SIGTERM (nil: it had to be killed).
    var exitCode: Int32?

    var idleRequestsPerPass: Double {
        idlePassDurations.isEmpty ? 0 : Double(idleRequests.values.reduce(0, +)) / Double(idlePassDurations.count)
    }

    var notifyMissing: Int { notifySamples - notifyLatencies.count }

    /// What a client bound only by its token bucket needs for `accounts` creates: the burst goes
    /// at once, the rest at `kubeQPS` (the cache's one LIST takes a token too).
    var rateLimitedConvergence: Double { Double(max(accounts + 1 - kubeBurst, 0)) / kubeQPS }
}

/// Fastest of a few runs of each of the two queries a full pass sends, in seconds.
struct PassReads: Sendable {
    var generations: Double
    var statuses: Double
}

/// Nearest-rank percentile (`p` in 0...100) of unsorted samples; nil for none.
func percentile(_ p: Double, of samples: [Double]) -> Double? {
    guard !samples.isEmpty else { return nil }
    let sorted = samples.sorted()
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

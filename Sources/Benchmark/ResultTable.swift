import Foundation

/// The benchmark's one output: a markdown table with a column per number of accounts and the
/// issues' targets (issue 14's at 10,000 and at 100,000 accounts, the others at the largest
/// size), preceded by the settings it ran with.
struct ResultTable {
    let options: BenchmarkOptions
    let results: [SizeResult]
    /// The extra round at the default rate limit, if it ran.
    let defaultRateCheck: SizeResult?
    let date: Date
    let machine: String

    /// The issue's targets.
    static let idlePassLimit = 0.010
    static let idlePassLimitAt100k = 0.100
    static let notifyP99Limit = 1.0
    static let peakRSSLimit = 48 * 1024 * 1024
    static let peakRSSLimitAt100k = 200 * 1024 * 1024
    static let heapPerAccountLimit = 2 * 1024
    static let defaultQPS = 20.0
    static let defaultBurst = 40

    var markdown: String {
        guard let largest = results.max(by: { $0.accounts < $1.accounts }) else { return "no results\n" }
        var out = """
            provisioner benchmark, \(Self.dateText(date)), \(machine)
            provisioner: KUBE_QPS=\(format(options.kubeQPS, digits: 0)) KUBE_BURST=\(options.kubeBurst) \
            POLL_INTERVAL=\(format(options.pollInterval, digits: 0)) LEADER_ELECTION=false (release build)\(extraEnvironment)
            emulator: --pod-start-delay \(options.podStartDelay)\(options.schemaValidation ? ", schema validation on" : " --no-schema-validation (request bodies NOT checked against the official schemas, for speed)")
            with the default KUBE_QPS=20 convergence is bounded by N / 20: \(results.map { "\(Self.count($0.accounts)) / 20 = \(format(Double($0.accounts) / Self.defaultQPS, digits: 0)) s" }.joined(separator: ", "))


            """
        let header = ["figure"] + results.map { "\(Self.count($0.accounts)) accounts" } + ["target", "met"]
        // Issue 14's targets are for 10,000 and 100,000 accounts; a size the run did not have is not judged.
        let at10k = results.first { $0.accounts == 10_000 }
        let at100k = results.first { $0.accounts == 100_000 }
        var rows: [[String]] = []
        rows.append(["time to converge from zero"] + results.map {
            "\(format($0.convergence, digits: 1)) s (\(format(Double($0.accounts) / $0.convergence, digits: 0)) Jobs/s)"
        } + ["limited only by KUBE_QPS", Self.verdict(defaultRateCheck.map(Self.boundByTokenBucket))])
        rows.append(["  first Job seen after start"] + results.map { $0.firstJob.map { "\(format($0, digits: 2)) s" } ?? "?" } + ["", ""])
        rows.append(["  CPU during convergence: provisioner / emulator"] + results.map {
            "\($0.provisionerCPU.map { format($0, digits: 1) } ?? "?") s / \($0.emulatorCPU.map { format($0, digits: 1) } ?? "?") s"
        } + ["", ""])
        rows.append(["  provisioner CPU per Job created (→ Jobs/s one core could send)"] + results.map { r in
            r.provisionerCPU.map { "\(format($0 / Double(r.accounts) * 1000, digits: 2)) ms (→ \(format(Double(r.accounts) / $0, digits: 0)))" } ?? "?"
        } + ["flat from 1,000 to 100,000 (within 25 %)", Self.verdict(Self.flatCPU(results))])
        if let check = defaultRateCheck {
            let expected = check.rateLimitedConvergence
            rows.append(["  converge \(Self.count(check.accounts)) at the default KUBE_QPS=\(format(check.kubeQPS, digits: 0)) / KUBE_BURST=\(check.kubeBurst)"]
                        + results.map { _ in "" }
                        + ["\(format(check.convergence, digits: 1)) s; token bucket alone: \(format(expected, digits: 1)) s",
                           Self.verdict(Self.boundByTokenBucket(check))])
        }
        rows.append(["idle pass duration, median (max) of \(options.idlePasses)"] + results.map {
            "\(Self.milliseconds(percentile(50, of: $0.idlePassDurations))) (\(Self.milliseconds($0.idlePassDurations.max())))"
        } + ["median < 10 ms at 10,000, < 100 ms at 100,000",
             Self.verdict(Self.all([at10k.flatMap { percentile(50, of: $0.idlePassDurations) }.map { $0 < Self.idlePassLimit },
                                    at100k.flatMap { percentile(50, of: $0.idlePassDurations) }.map { $0 < Self.idlePassLimitAt100k }]))])
        rows.append(["  the pass's two reads (account generations, all account_status rows), timed by the bench"] + results.map {
            $0.passReads.map { "\(Self.milliseconds($0.generations)) + \(Self.milliseconds($0.statuses))" } ?? "?"
        } + ["", ""])
        rows.append(["API requests per idle pass (watches excluded)"] + results.map { format($0.idleRequestsPerPass, digits: $0.idleRequestsPerPass == $0.idleRequestsPerPass.rounded() ? 0 : 2) }
                     + ["0", Self.verdict(largest.idleRequestsPerPass == 0)])
        rows.append(["account change → Job seen (NOTIFY), p50 / p99"] + results.map {
            "\(Self.milliseconds(percentile(50, of: $0.notifyLatencies))) / \(Self.milliseconds(percentile(99, of: $0.notifyLatencies)))"
                + " (\($0.notifyLatencies.count)/\($0.notifySamples) seen)"
        } + ["p99 < 1 s", Self.verdict(results.allSatisfy { r in r.notifyMissing == 0 && (percentile(99, of: r.notifyLatencies) ?? .infinity) < Self.notifyP99Limit })])
        rows.append(["peak RSS (VmHWM)"] + results.map { $0.memory.map { Self.mebibytes($0.peakBytes) } ?? "?" }
                     + ["< 48 MiB at 10,000, < 200 MiB at 100,000",
                        Self.verdict(Self.all([at10k?.memory.map { $0.peakBytes < Self.peakRSSLimit }, at100k?.memory.map { $0.peakBytes < Self.peakRSSLimitAt100k }]))])
        rows.append(["heap in use after the idle passes (malloc'd, not freed), per account"] + results.map { r in
            r.heapWhenIdle.map { "\(Self.mebibytes($0)) (\(format(Double($0) / Double(r.accounts) / 1024, digits: 1)) KiB)" } ?? "?"
        } + ["≤ 2 KiB per account at 10,000", Self.verdict(at10k?.heapWhenIdle.map { $0 <= Self.heapPerAccountLimit * 10_000 })])
        rows.append(["  RSS after the idle passes: heap and stacks + mapped files (libraries)"] + results.map { Self.split($0.memoryWhenIdle) } + ["", ""])
        rows.append(["  RSS after the NOTIFY samples: heap and stacks + mapped files"] + results.map { Self.split($0.memory) } + ["", ""])

        out += Self.row(header) + Self.row(header.map { _ in "---" }) + rows.map(Self.row).joined()
        out += notes
        return out
    }

    private var extraEnvironment: String {
        options.provisionerEnvironment.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
    }

    /// "Limited only by KUBE_QPS": at the default rate limit, convergence took what the token
    /// bucket alone allows (5 % and 2 s of slack for start-up and the last Jobs' round trips).
    private static func boundByTokenBucket(_ check: SizeResult) -> Bool {
        check.convergence <= check.rateLimitedConvergence * 1.05 + 2
    }

    private static func split(_ memory: ProcessMemory?) -> String {
        guard let memory else { return "?" }
        return "\(mebibytes(memory.anonymousBytes)) + \(mebibytes(memory.fileBytes))"
    }

    private var notes: String {
        var lines: [String] = []
        for r in results {
            if !r.idleRequests.isEmpty {
                lines.append("- \(Self.count(r.accounts)): requests during \(r.idlePassDurations.count) idle passes: "
                             + r.idleRequests.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if r.busyPassesInIdleWindow > 0 {
                lines.append("- \(Self.count(r.accounts)): \(r.busyPassesInIdleWindow) full passes in the idle window still changed something (logged \"pass done\" at info)")
            }
            if r.exitCode != 0 {
                lines.append("- \(Self.count(r.accounts)): the provisioner \(r.exitCode.map { "exited with code \($0)" } ?? "did not stop within 30 s") on SIGTERM")
            }
        }
        return lines.isEmpty ? "" : "\n" + lines.joined(separator: "\n") + "\n"
    }

    private static func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |\n" }

    /// CPU per Job at 100,000 within 25 % of that at 1,000; nil without both sizes.
    private static func flatCPU(_ results: [SizeResult]) -> Bool? {
        func perJob(_ accounts: Int) -> Double? {
            results.first { $0.accounts == accounts }.flatMap { r in r.provisionerCPU.map { $0 / Double(r.accounts) } }
        }
        guard let small = perJob(1_000), let large = perJob(100_000) else { return nil }
        return large <= small * 1.25
    }

    /// Met when every judged size met it; nil when no size was judged.
    private static func all(_ verdicts: [Bool?]) -> Bool? {
        let judged = verdicts.compactMap { $0 }
        return judged.isEmpty ? nil : !judged.contains(false)
    }

    private static func verdict(_ met: Bool?) -> String {
        switch met {
        case true?: "yes"
        case false?: "**no**"
        case nil: "?"
        }
    }

    private static func milliseconds(_ seconds: Double?) -> String {
        guard let seconds else { return "?" }
        return seconds < 0.1 ? "\(format(seconds * 1000, digits: 1)) ms" : "\(format(seconds * 1000, digits: 0)) ms"
    }

    private static func mebibytes(_ bytes: Int) -> String { "\(format(Double(bytes) / 1_048_576, digits: 1)) MiB" }

    private static func count(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return out
    }

    static func dateText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}

import Common

/// What `migrate status` and `migrate up --dry-run` print on standard output.
enum MigrationReportText {
    static func status(_ plan: MigrationPlan) -> String {
        var lines = [pad("VERSION", 8) + pad("STATE", 14) + pad("APPLIED AT", 22) + "FILE"]
        for entry in plan.entries {
            let (state, appliedAt): (String, String) = switch entry.state {
            case .applied(let record): ("applied", Timestamp.rfc3339(record.appliedAt))
            case .pending: ("pending", "")
            case .changed(let record): ("CHANGED", Timestamp.rfc3339(record.appliedAt))
            case .outOfOrder: ("OUT-OF-ORDER", "")
            case .fileMissing(let record): ("no-file", Timestamp.rfc3339(record.appliedAt))
            }
            lines.append(pad(versionText(entry.version), 8) + pad(state, 14) + pad(appliedAt, 22) + entry.fileName)
        }
        let pending = plan.entries.filter { $0.state == .pending }.count
        lines.append("schema version: \(plan.currentVersion.map(String.init) ?? "none"); \(pending) pending")
        lines += plan.problems.map { "problem: \($0)" }
        return lines.joined(separator: "\n")
    }

    static func dryRun(_ plan: MigrationPlan) -> String {
        guard plan.problems.isEmpty else {
            return (["migrate up would stop without applying anything:"] + plan.problems.map { "problem: \($0)" }).joined(separator: "\n")
        }
        guard let last = plan.pending.last else {
            return "nothing to apply: schema version \(plan.currentVersion.map(String.init) ?? "none") is current"
        }
        var lines = plan.pending.map { "would apply \($0.fileName)" }
        lines.append("\(plan.pending.count) migration(s) would be applied: schema version \(plan.currentVersion.map(String.init) ?? "none") -> \(last.version)")
        return lines.joined(separator: "\n")
    }

    /// Versions as in file names: at least four digits.
    static func versionText(_ version: Int) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

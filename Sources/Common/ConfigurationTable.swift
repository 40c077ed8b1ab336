/// Every environment variable of the four programs, in one table: the README's configuration
/// table is rendered from it (a test compares them, and the code's reads against its names), and
/// so are the `--help` texts of `provisioner` and `restarter`.
public enum ConfigurationTable {
    public enum Program: String, Sendable, CaseIterable {
        case provisioner = "P", restarter = "R", migrate = "M", tenants = "T"
    }

    public struct Row: Sendable {
        /// The variables of the row, e.g. `KUBE_QPS` and `KUBE_BURST`.
        public let names: [String]
        /// How the names are shown together: " / " (both apply) or " or " (one of them).
        public let joiner: String
        public let programs: [Program]
        /// Markdown.
        public let defaultValue: String
        /// Markdown.
        public let meaning: String
    }

    public static let rows: [Row] = [
        Row(names: ["DATABASE_URL"], joiner: " / ", programs: [.provisioner, .migrate, .restarter, .tenants],
            defaultValue: "libpq `PG*` variables (`PGHOST`, `PGPASSWORD`, …)",
            meaning: "PostgreSQL, URI or key=value; optional for R (failures go to `job_failures` and `audit_log` when set)"),
        Row(names: ["MIGRATIONS_DIR"], joiner: " / ", programs: [.migrate],
            defaultValue: "`/migrations` if it exists, else `./migrations`",
            meaning: "the `.sql` files"),
        Row(names: ["KUBECONFIG"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "in-cluster service account, else `~/.kube/config`",
            meaning: "Kubernetes credentials"),
        Row(names: ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "set by Kubernetes in every pod",
            meaning: "the in-cluster API server (with the mounted service-account token and CA)"),
        Row(names: ["NAMESPACE"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "pod namespace, else kubeconfig context, else `default`",
            meaning: "where the Jobs live"),
        Row(names: ["INSTANCE"], joiner: " / ", programs: [.provisioner],
            defaultValue: "`default`",
            meaning: "value of `tenant-provisioner/instance`; several instances can share a namespace"),
        Row(names: ["JOB_TEMPLATE"], joiner: " / ", programs: [.provisioner],
            defaultValue: "`/etc/provisioner/job-template.yaml`",
            meaning: "the Job template"),
        Row(names: ["POLL_INTERVAL"], joiner: " / ", programs: [.provisioner],
            defaultValue: "`30`",
            meaning: "seconds between full passes"),
        Row(names: ["MAX_DELETES_PER_PASS"], joiner: " / ", programs: [.provisioner],
            defaultValue: "`100`",
            meaning: "deletions per `POLL_INTERVAL`, NOTIFY-triggered ones included"),
        Row(names: ["DRY_RUN"], joiner: " / ", programs: [.provisioner],
            defaultValue: "`false`",
            meaning: "log the plan of each pass, change nothing"),
        Row(names: ["RERUN_AFTER_SUCCESS"], joiner: " / ", programs: [.provisioner],
            defaultValue: "unset",
            meaning: "seconds after completion before a completed Job is recreated"),
        Row(names: ["MAX_RUNNING_JOBS"], joiner: " / ", programs: [.provisioner],
            defaultValue: "unset (no cap)",
            meaning: "at most this many unfinished Jobs; the others wait (phase `queued`), the oldest last success first"),
        Row(names: ["RESOLVE_IMAGE_DIGESTS"], joiner: " / ", programs: [.provisioner],
            defaultValue: "`false`",
            meaning: "pin every container image of the rendered template to `<repo>:<tag>@sha256:<digest>` (the tag's multi-arch index digest, asked with the template's imagePullSecrets)"),
        Row(names: ["IMAGE_RESOLVE_INTERVAL"], joiner: " / ", programs: [.provisioner],
            defaultValue: "`300`",
            meaning: "seconds a resolved digest is used before the registry is asked again; a failed registry keeps the last known digest"),
        Row(names: ["MAX_IMAGE_ROLLS_PER_PASS"], joiner: " / ", programs: [.provisioner],
            defaultValue: "`10`",
            meaning: "tenants moved to a moved tag's new digest per `POLL_INTERVAL`; the others wait (`roll-pending`)"),
        Row(names: ["INSECURE_REGISTRIES"], joiner: " / ", programs: [.provisioner],
            defaultValue: "unset",
            meaning: "comma-separated registry hosts (`host:port` as images name them) asked over plain HTTP instead of HTTPS"),
        Row(names: ["JOB_NAMES", "JOB_SELECTOR"], joiner: " or ", programs: [.restarter],
            defaultValue: "— (one is required)",
            meaning: "comma-separated Job names, or a label selector such as `app=sync`"),
        Row(names: ["CHECK_INTERVAL"], joiner: " / ", programs: [.restarter],
            defaultValue: "`60`",
            meaning: "seconds between safety re-checks (in memory: the watch drives it, no polling)"),
        Row(names: ["LEADER_ELECTION", "LEASE_NAME"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "`true` / `tenant-provisioner-<INSTANCE>` (R: `tenant-restarter`)",
            meaning: "only the Lease holder acts"),
        Row(names: ["POD_NAME"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "host name",
            meaning: "this replica's identity: Lease holder, `audit_log.actor`"),
        Row(names: ["KUBE_QPS", "KUBE_BURST"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "`20` / `40`",
            meaning: "client-side rate limit"),
        Row(names: ["HEALTH_PORT"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "`8080`",
            meaning: "`/healthz`, `/readyz`, `/metrics` (0: a free port, logged at start)"),
        Row(names: ["MALLOC_ARENA_MAX"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "`2` (set by the program)",
            meaning: "glibc's malloc arenas; more arenas, more memory for less lock contention (see docs/benchmark.md)"),
        Row(names: ["RESTART_DELAY"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "`3600`",
            meaning: "seconds from a Job's failure (its `Failed` condition) to its restart"),
        Row(names: ["RESTART_BACKOFF_FACTOR", "RESTART_DELAY_MAX"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "`1` / `86400`",
            meaning: "the n-th failure in a row waits `RESTART_DELAY × FACTOR^(n−1)`, at most the max"),
        Row(names: ["SKIP_DELAY_ON_OOM"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "`false`",
            meaning: "restart at once when a container was OOMKilled"),
        Row(names: ["LOG_TAIL_LINES"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "`50`",
            meaning: "log lines kept per failed container (at most 64 KiB)"),
        Row(names: ["OOM_MEMORY_FACTOR", "OOM_MEMORY_MAX"], joiner: " / ", programs: [.provisioner, .restarter],
            defaultValue: "unset",
            meaning: "opt-in: after an OOM kill the restarted Job's containers get memory × factor (request and limit), up to the max; reset by a template change"),
        Row(names: ["LOG_LEVEL", "LOG_FORMAT"], joiner: " / ", programs: [.provisioner, .restarter, .migrate, .tenants],
            defaultValue: "`info` / `text`",
            meaning: "`debug`, `info`, `warning`, `error`; `text` or `json`"),
        Row(names: ["ADMIN_PORT"], joiner: " / ", programs: [.tenants],
            defaultValue: "`8081`",
            meaning: "the admin API's port (0: a free one, logged at start)"),
        Row(names: ["ADMIN_TOKEN", "ADMIN_TOKEN_FILE"], joiner: " / ", programs: [.tenants],
            defaultValue: "— (one is required for `serve`)",
            meaning: "the read-write bearer token (at least 16 characters), or a file holding it, read again when it changes"),
        Row(names: ["ADMIN_TOKEN_NAME"], joiner: " / ", programs: [.tenants],
            defaultValue: "`admin`",
            meaning: "that token's caller name, written as `audit_log.actor`"),
        Row(names: ["ADMIN_READONLY_TOKEN", "ADMIN_READONLY_TOKEN_FILE"], joiner: " / ", programs: [.tenants],
            defaultValue: "unset",
            meaning: "an optional token that may only read (403 on writes)"),
        Row(names: ["ADMIN_READONLY_TOKEN_NAME"], joiner: " / ", programs: [.tenants],
            defaultValue: "`readonly`",
            meaning: "its caller name"),
    ]

    /// The README's table (header included), one row per line.
    public static var markdown: String {
        var lines = ["| variable | used by | default | meaning |", "|---|---|---|---|"]
        for row in rows {
            let names = row.names.map { "`\($0)`" }.joined(separator: row.joiner)
            let programs = Program.allCases.filter(row.programs.contains).map(\.rawValue).joined(separator: " ")
            lines.append("| \(names) | \(programs) | \(row.defaultValue) | \(row.meaning) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The variables `program` reads with their defaults, as plain text lines for `--help`.
    public static func usage(for program: Program) -> String {
        let mine = rows.filter { $0.programs.contains(program) }
        let names = mine.map { $0.names.joined(separator: $0.joiner) }
        let width = names.map(\.count).max() ?? 0
        return zip(names, mine).map { name, row in
            "  " + name + String(repeating: " ", count: width - name.count) + "  " + plain(row.defaultValue)
        }.joined(separator: "\n")
    }

    /// Markdown cell text without the code marks.
    static func plain(_ markdown: String) -> String {
        String(markdown.filter { $0 != "`" })
    }
}

import FoundationEssentials

/// A row of `schema_migrations`.
public struct AppliedMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let checksum: String
    public let appliedAt: Date
    public let executionMilliseconds: Int

    public init(version: Int, name: String, checksum: String, appliedAt: Date, executionMilliseconds: Int) {
        self.version = version
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
        self.executionMilliseconds = executionMilliseconds
    }
}

/// What `migrate` finds when it compares the directory with `schema_migrations`. Pure: built
/// from values, so every rule is tested without a database.
public struct MigrationPlan: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case applied(AppliedMigration)
        case pending
        /// Applied, but the file's content is no longer what was applied.
        case changed(AppliedMigration)
        /// Not applied, yet older than the newest applied migration.
        case outOfOrder(newestApplied: Int)
        /// Applied, but no file in the directory has its version (an older image, or a deleted file).
        case fileMissing(AppliedMigration)
    }

    public struct Entry: Sendable, Equatable {
        public let version: Int
        public let fileName: String
        public let state: State
    }

    /// Every version known from the files or the table, in version order.
    public let entries: [Entry]
    /// What `up` applies, in order (empty when there are problems).
    public let pending: [MigrationFile]
    /// Changed or out-of-order files: `up` refuses to run while there are any.
    public let problems: [MigrationProblem]
    /// The highest applied version, nil when nothing is applied.
    public let currentVersion: Int?

    public init(files: [MigrationFile], applied: [AppliedMigration]) {
        let appliedByVersion = Dictionary(applied.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        let newest = applied.map(\.version).max()
        var entries: [Entry] = []
        var pending: [MigrationFile] = []
        var problems: [MigrationProblem] = []
        for file in files {
            if let record = appliedByVersion[file.version] {
                if record.checksum == file.checksum {
                    entries.append(Entry(version: file.version, fileName: file.fileName, state: .applied(record)))
                } else {
                    entries.append(Entry(version: file.version, fileName: file.fileName, state: .changed(record)))
                    problems.append(.changed(fileName: file.fileName, recorded: record.checksum, current: file.checksum))
                }
            } else if let newest, file.version < newest {
                entries.append(Entry(version: file.version, fileName: file.fileName, state: .outOfOrder(newestApplied: newest)))
                problems.append(.outOfOrder(fileName: file.fileName, newestApplied: appliedByVersion[newest]?.name ?? String(newest)))
            } else {
                entries.append(Entry(version: file.version, fileName: file.fileName, state: .pending))
                pending.append(file)
            }
        }
        let fileVersions = Set(files.map(\.version))
        for record in applied where !fileVersions.contains(record.version) {
            entries.append(Entry(version: record.version, fileName: record.name, state: .fileMissing(record)))
        }
        self.entries = entries.sorted { $0.version < $1.version }
        self.pending = problems.isEmpty ? pending : []
        self.problems = problems
        self.currentVersion = newest
    }
}

/// Why `migrate` stops before applying anything.
public enum MigrationProblem: Sendable, Equatable, CustomStringConvertible {
    case changed(fileName: String, recorded: String, current: String)
    case outOfOrder(fileName: String, newestApplied: String)

    public var description: String {
        switch self {
        case .changed(let fileName, let recorded, let current):
            return "\(fileName) was changed after it was applied (sha256 \(recorded.prefix(12))… when applied, \(current.prefix(12))… now): "
                + "restore the applied content and put the change in a new migration file"
        case .outOfOrder(let fileName, let newest):
            return "\(fileName) is not applied but is older than the newest applied migration \(newest): "
                + "renumber it above that one (gaps in numbering are fine)"
        }
    }
}

import Foundation
import SchemaMigrator
import Testing

@Suite struct MigrationPlanTests {
    func file(_ version: Int, _ sql: String = "SELECT 1;") -> MigrationFile {
        MigrationFile(version: version, fileName: String(format: "%04d_m.sql", version), sql: sql, checksum: "sum-\(sql)")
    }

    func applied(_ file: MigrationFile, checksum: String? = nil) -> AppliedMigration {
        AppliedMigration(version: file.version, name: file.fileName, checksum: checksum ?? file.checksum, appliedAt: Date(timeIntervalSince1970: 0), executionMilliseconds: 1)
    }

    @Test func unappliedFilesAfterTheNewestArePendingInOrder() {
        let files = [file(1), file(2), file(5)]
        let plan = MigrationPlan(files: files, applied: [applied(files[0])])
        #expect(plan.pending.map(\.version) == [2, 5])
        #expect(plan.problems.isEmpty)
        #expect(plan.currentVersion == 1)
    }

    @Test func changedChecksumOfAnAppliedFileIsAProblem() {
        let files = [file(1), file(2)]
        let plan = MigrationPlan(files: files, applied: [applied(files[0], checksum: "other")])
        #expect(plan.problems == [.changed(fileName: "0001_m.sql", recorded: "other", current: files[0].checksum)])
        #expect(plan.pending.isEmpty)
    }

    @Test func unappliedFileOlderThanTheNewestAppliedIsOutOfOrder() {
        let files = [file(1), file(2), file(3)]
        let plan = MigrationPlan(files: files, applied: [applied(files[0]), applied(files[2])])
        #expect(plan.problems == [.outOfOrder(fileName: "0002_m.sql", newestApplied: "0003_m.sql")])
        #expect(plan.pending.isEmpty)
    }

    @Test func gapsInNumberingAreFine() {
        let files = [file(10), file(20)]
        let plan = MigrationPlan(files: files, applied: [applied(files[0])])
        #expect(plan.problems.isEmpty)
        #expect(plan.pending.map(\.version) == [20])
    }

    @Test func appliedVersionWithoutAFileIsListedButNotAProblem() {
        let files = [file(1)]
        let gone = applied(file(2))
        let plan = MigrationPlan(files: files, applied: [applied(files[0]), gone])
        #expect(plan.problems.isEmpty)
        #expect(plan.entries.last?.state == .fileMissing(gone))
        #expect(plan.pending.isEmpty)
    }
}

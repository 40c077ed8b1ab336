import SchemaMigrator
import Testing

@Suite struct MigrateCommandTests {
    @Test(arguments: [
        ([], MigrateCommand.up(dryRun: false)),
        (["up"], .up(dryRun: false)),
        (["up", "--dry-run"], .up(dryRun: true)),
        (["--dry-run"], .up(dryRun: true)),
        (["status"], .status),
        (["--help"], .help),
        (["status", "-h"], .help),
    ])
    func parsesValidCommandLines(arguments: [String], expected: MigrateCommand) throws {
        #expect(try MigrateCommand.parse(arguments) == expected)
    }

    @Test(arguments: [["down"], ["up", "--force"], ["status", "--dry-run"], ["up", "status"]])
    func rejectsBadUsage(arguments: [String]) {
        #expect(throws: MigrateCommand.UsageError.self) { try MigrateCommand.parse(arguments) }
    }
}

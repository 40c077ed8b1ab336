import Common
import Foundation
import TestSupport
import Testing

/// SPEC "Migrate": the provisioner refuses to act, and stays not ready saying why, until the
/// schema is at the version it needs; then it starts without a restart.
@Suite struct SchemaVersionTests {
    @Test func withoutTheSchemaItStaysNotReadyThenActsOnceMigrated() async throws {
        try await ProvisionerFixture.with(migrated: false) { f in
            let provisioner = try f.start()
            try await eventually("/readyz naming the schema", log: provisioner.logTail) {
                guard let (status, body) = await provisioner.get("/readyz") else { return false }
                return status == 503 && body.contains("migrate")
            }
            #expect(provisioner.process.isRunning, "an old schema is not a reason to exit")

            let migrations = BuildProducts.packageRoot.appendingPathComponent("migrations").path
            let migrate = try await ChildProcess.run(BuildProducts.path("migrate"), ["up"],
                                                     environment: ["DATABASE_URL": f.database.url, "MIGRATIONS_DIR": migrations])
            #expect(migrate.code == 0, "\(migrate.stderr)")
            try await f.insertAccount("late")
            try await eventually("the Job once the schema is current", log: provisioner.logTail) { try await f.jobNames() == ["worker-late"] }
            try await eventually("ready", log: provisioner.logTail) { await provisioner.get("/readyz")?.status == 200 }
        }
    }
}

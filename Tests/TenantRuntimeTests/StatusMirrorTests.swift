import Foundation
import Postgres
import TenantCore
import Testing
import TestSupport
@testable import TenantRuntime

/// `ProvisionerStore`'s mirror of `account_status`, against a real PostgreSQL.
@Suite struct StatusMirrorTests {
    static func withStore(_ body: (ProvisionerStore, PostgresConnection) async throws -> Void) async throws {
        try await TestDatabase.with(migrated: true) { db in
            let store = ProvisionerStore(connection: db.connect(), actor: "test")
            let admin = db.connect()
            try await body(store, admin)
            await store.connection.close()
            await admin.close()
        }
    }

    static let when = Date(timeIntervalSince1970: 1_800_000_000.123456)

    @Test func mirrorSeesThePassAndTheWorkerWritePaths() async throws {
        try await Self.withStore { store, _ in
            #expect(try await store.mirroredStatuses().isEmpty)  // loads the (empty) table
            // A pass's batch write, then a worker's read-modify-write of one row, through a copy of the store.
            try await store.record(statuses: [AccountStatus(accountID: "a", phase: .pending), AccountStatus(accountID: "b", phase: .pending)], audit: [])
            let workerCopy = store
            try await workerCopy.update(accountID: "a", audit: []) { current in
                var s = current ?? AccountStatus(accountID: "a", phase: .pending)
                s.phase = .running
                s.jobUID = "uid-a"
                s.lastSuccessAt = Self.when
                return s
            }
            try await workerCopy.update(accountID: "c", audit: []) { _ in AccountStatus(accountID: "c", phase: .inactive, nextRestartAt: Self.when) }
            let mirrored = try await store.mirroredStatuses()
            #expect(mirrored == (try await store.statuses()))
            #expect(mirrored["a"]?.phase == .running)
            #expect(mirrored["c"]?.phase == .inactive)
        }
    }

    @Test func anEditOutsideTheProvisionerIsSeenAtTheNextFullReload() async throws {
        try await Self.withStore { store, admin in
            try await store.record(statuses: [AccountStatus(accountID: "a", phase: .pending, memoryOverride: "2Gi")], audit: [])
            _ = try await store.mirroredStatuses()
            _ = try await admin.execute("UPDATE account_status SET memory_override = NULL WHERE account_id = 'a'")
            #expect(try await store.mirroredStatuses()["a"]?.memoryOverride == "2Gi")  // the mirror, not the table
            #expect(try await store.mirroredStatuses(reload: true)["a"]?.memoryOverride == nil)
            #expect(try await store.mirroredStatuses()["a"]?.memoryOverride == nil)
        }
    }

    @Test func aFailedWriteMakesTheNextReadReloadTheTable() async throws {
        try await Self.withStore { store, admin in
            try await store.record(statuses: [AccountStatus(accountID: "a", phase: .pending)], audit: [])
            _ = try await store.mirroredStatuses()
            // consecutive_failures must not be negative: the statement fails and nothing is committed.
            await #expect(throws: (any Error).self) {
                try await store.record(statuses: [AccountStatus(accountID: "a", phase: .failed, consecutiveFailures: -1)], audit: [])
            }
            _ = try await admin.execute("UPDATE account_status SET message = 'edited' WHERE account_id = 'a'")
            let after = try await store.mirroredStatuses()
            #expect(after["a"]?.phase == .pending)
            #expect(after["a"]?.message == "edited")
        }
    }

    @Test func invalidatingReloadsOnTheNextRead() async throws {
        try await Self.withStore { store, admin in
            _ = try await store.mirroredStatuses()
            _ = try await admin.execute("INSERT INTO account_status (account_id, phase) VALUES ('other-leader', 'running')")
            #expect(try await store.mirroredStatuses(ids: ["other-leader"]).isEmpty)
            store.invalidateStatusMirror()
            #expect(try await store.mirroredStatuses(ids: ["other-leader"])["other-leader"]?.phase == .running)
        }
    }

    @Test func aLateReportedWriteNeverOverwritesANewerOne() {
        let mirror = StatusMirror()
        let load = mirror.nextSequence()
        let first = mirror.nextSequence()
        let second = mirror.nextSequence()
        mirror.load([:], at: load)
        mirror.apply([AccountStatus(accountID: "a", phase: .running)], at: second)
        mirror.apply([AccountStatus(accountID: "a", phase: .pending)], at: first)
        #expect(mirror.all()?["a"]?.phase == .running)
    }

    @Test func aWriteCommittedAfterALoadReadSurvivesThatLoad() {
        let mirror = StatusMirror()
        let load = mirror.nextSequence()
        let write = mirror.nextSequence()
        // The write's commit is reported before the load (read earlier) is applied.
        mirror.apply([AccountStatus(accountID: "a", phase: .running)], at: write)
        mirror.load(["a": AccountStatus(accountID: "a", phase: .pending)], at: load)
        #expect(mirror.all()?["a"]?.phase == .running)
    }

    /// Rows take the cached Job's strings only where they are equal: a row is never changed by it.
    @Test func rowsShareTheCachedJobsStringsWithoutChangingAnyValue() async throws {
        try await TestDatabase.with(migrated: true) { db in
            let cached: [String: (name: String, uid: String)] = ["job-a": ("job-a", "uid-a"), "job-b": ("job-b", "uid-b-newer")]
            let store = ProvisionerStore(connection: db.connect(), actor: "test", jobStrings: { cached[$0] })
            let rows = [AccountStatus(accountID: "a", jobName: "job-a", jobUID: "uid-a", phase: .running),
                        AccountStatus(accountID: "b", jobName: "job-b", jobUID: "uid-b-older", phase: .running),
                        AccountStatus(accountID: "c", jobName: "job-c", jobUID: "uid-c", phase: .pending),
                        AccountStatus(accountID: "d", phase: .inactive)]
            try await store.record(statuses: rows, audit: [])
            let expected = Dictionary(uniqueKeysWithValues: rows.map { ($0.accountID, $0) })
            #expect(try await store.mirroredStatuses(reload: true) == expected)
            #expect(try await store.mirroredStatuses(reload: false) == expected)
            await store.connection.close()
        }
    }
}

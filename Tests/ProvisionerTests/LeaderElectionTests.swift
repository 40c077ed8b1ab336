import Common
import Foundation
import Kube
import TestSupport
import Testing

/// SPEC "Reconcile": leader election with a Lease, only the leader acts; SIGTERM releases it.
@Suite struct LeaderElectionTests {
    static let leaseName = "provisioner-test-lease"

    static func holder(_ f: ProvisionerFixture) async throws -> String? {
        let lease: Lease? = try await f.kubeClient().get(.leases, namespace: "default", name: leaseName)
        return lease?.spec?.holderIdentity
    }

    static func replica(_ f: ProvisionerFixture, _ name: String) throws -> RunningProvisioner {
        try f.start([], ["LEADER_ELECTION": "true", "LEASE_NAME": leaseName, "POD_NAME": name])
    }

    @Test func onlyTheLeaseHolderActsAndTheOtherTakesOverWithinALeaseDurationAfterAKill() async throws {
        try await ProvisionerFixture.with { f in
            try await f.insertAccount("first")
            let replicas = ["replica-1": try Self.replica(f, "replica-1"), "replica-2": try Self.replica(f, "replica-2")]
            let logs = { replicas.map { "[\($0.key)]\n\($0.value.logTail)" }.joined(separator: "\n") }
            try await eventually("the first account's Job and its audit row", log: logs()) { try await !f.audit(action: "create").isEmpty }
            // A few passes of the leader (the follower makes none: it only checks it could take over).
            let passes = { await replicas.values.asyncSum { await $0.fullPasses() } }
            let before = await passes()
            try await eventually("three more passes", log: logs()) { await passes() >= before + 3 }

            let actors = Set(try await f.audit().map(\.actor))
            #expect(actors.count == 1, "actors: \(actors)")
            let leaderName = try #require(actors.first)
            #expect(try await Self.holder(f) == leaderName)
            let leader = try #require(replicas[leaderName])
            let followerName = leaderName == "replica-1" ? "replica-2" : "replica-1"
            let follower = try #require(replicas[followerName])
            #expect(await leader.metric("tenant_provisioner_leader") == 1)
            #expect(await follower.metric("tenant_provisioner_leader") == 0)
            #expect(try await f.jobRequestsExceptWatch().filter { $0.verb == "create" }.count == 1, "one create, not one per replica")

            leader.process.signal(SIGKILL)
            let killed = Date()
            try await f.insertAccount("second")
            try await eventually("the follower creates the new account's Job", timeout: 25, log: follower.logTail) {
                try await f.jobNames().contains("worker-second")
            }
            #expect(Date().timeIntervalSince(killed) < 25)
            try await eventually("the create audit row", log: follower.logTail) {
                try await f.audit(action: "create").contains { $0.accountID == "second" }
            }
            #expect(try await f.audit(action: "create").first { $0.accountID == "second" }?.actor == followerName)
            #expect(try await Self.holder(f) == followerName)
        }
    }

    @Test func sigtermMidWorkExitsZeroAndReleasesTheLease() async throws {
        try await ProvisionerFixture.with { f in
            try await f.insertAccount("a")
            let replica = try Self.replica(f, "replica-1")
            try await eventually("leader with a Job", log: replica.logTail) {
                let holder = try await Self.holder(f)
                let jobs = try await f.jobNames()
                return holder == "replica-1" && jobs == ["worker-a"]
            }
            // Creates that take 1.5 s each: SIGTERM arrives while they are in flight.
            try await f.emulator.injectFault(pathPrefix: "/apis/batch/v1/namespaces/default/jobs", method: "POST", count: 2, latencyMs: 1500)
            try await f.insertAccount("b")
            try await f.insertAccount("c")
            try await Task.sleep(nanoseconds: 500_000_000)

            let signalled = Date()
            replica.process.signal(SIGTERM)
            let code = await replica.process.wait(timeout: 15)
            #expect(code == 0, "exit code \(code.map(String.init) ?? "none (still running)")\n\(replica.logTail)")
            // The actions in flight (1.5 s each) are waited for, not the 20 s shutdown grace.
            #expect(Date().timeIntervalSince(signalled) < 15, "took \(Date().timeIntervalSince(signalled)) s to stop")
            #expect(!replica.process.standardError.contains("interrupting cluster actions"))
            #expect(try await Self.holder(f) ?? "" == "", "the Lease still names a holder")
            // The actions in flight finished and were recorded: no Job without its create audit row.
            let audited = Set(try await f.audit(action: "create").compactMap(\.jobName))
            let jobs = try await f.jobNames()
            #expect(jobs.isSubset(of: audited), "Jobs \(jobs), audited \(audited)")
        }
    }

    @Test func sigtermDuringASlowRecreateStopsWithinTheGracePeriodAndTheNextLeaderFinishesIt() async throws {
        // Foreground deletions that take 30 s: a recreate waits for one when SIGTERM comes.
        try await ProvisionerFixture.with(emulatorArguments: ["--foreground-delay", "30"]) { f in
            try await f.insertAccount("slow", config: #"{"env": {"V": "1"}}"#)
            let first = try Self.replica(f, "replica-1")
            try await eventually("the Job", log: first.logTail) { try await f.jobNames() == ["worker-slow"] }
            let oldUID = try await f.job("worker-slow")?["metadata"]?["uid"]?.stringValue
            try await f.execute("UPDATE accounts SET config = '{\"env\": {\"V\": \"2\"}}' WHERE account_id = 'slow'")
            try await eventually("the old Job terminating", log: first.logTail) {
                try await f.job("worker-slow")?["metadata"]?["deletionTimestamp"] != nil
            }
            let signalled = Date()
            first.process.signal(SIGTERM)
            let code = await first.process.wait(timeout: 40)
            #expect(code == 0, "exit code \(code.map(String.init) ?? "none (still running)")\n\(first.logTail)")
            #expect(Date().timeIntervalSince(signalled) < 28, "took \(Date().timeIntervalSince(signalled)) s: beyond a 30 s grace period")
            #expect(try await Self.holder(f) ?? "" == "", "the Lease still names a holder")
            // The next leader creates the new Job once the old one is gone (speed the emulator up).
            try await f.emulator.configure(foregroundDelay: 0.1)
            let second = try Self.replica(f, "replica-2")
            try await eventually("a new Job after the old one went", timeout: 90, log: second.logTail) {
                guard let uid = try await f.job("worker-slow")?["metadata"]?["uid"]?.stringValue else { return false }
                return uid != oldUID
            }
        }
    }

    @Test func aFollowerTakesOverAtOnceWhenTheLeaderStopsOnSigterm() async throws {
        try await ProvisionerFixture.with { f in
            let first = try Self.replica(f, "replica-1")
            try await eventually("replica-1 leads", log: first.logTail) { try await Self.holder(f) == "replica-1" }
            let second = try Self.replica(f, "replica-2")
            try await eventually("replica-2 ready as a follower", log: second.logTail) { await second.get("/readyz")?.status == 200 }

            first.process.signal(SIGTERM)
            #expect(await first.process.wait(timeout: 15) == 0)
            let stopped = Date()
            try await f.insertAccount("after")
            try await eventually("replica-2 creates the new account's Job", timeout: 25, log: second.logTail) {
                try await f.jobNames().contains("worker-after")
            }
            // A released Lease is free at once; an unreleased one would take the 15 s lease duration.
            #expect(Date().timeIntervalSince(stopped) < 8, "took \(Date().timeIntervalSince(stopped)) s")
            #expect(try await Self.holder(f) == "replica-2")
        }
    }
}

import Common
import Foundation
import Kube
import Testing
import TestSupport

@Suite struct JobCacheTests {
    static let selector = "app.kubernetes.io/managed-by=tenant-provisioner"
    static let managed = ["app.kubernetes.io/managed-by": "tenant-provisioner"]

    /// Runs a cache for `body` and stops it afterwards.
    static func withCache(_ emulator: KubeEmulator, pageSize: Int = 500, backoff: Backoff = Backoff(initial: 0.1, factor: 2, maximum: 1),
                          keptLabels: Set<String>? = nil, _ body: (JobCache, KubeClient) async throws -> Void) async throws {
        let client = try Fixtures.client(emulator)
        let cache = JobCache(client: client, namespace: "default", labelSelector: selector, keptLabels: keptLabels, pageSize: pageSize,
                             watchTimeoutSeconds: 60, backoff: backoff, logger: .disabled)
        let runner = Task { await cache.run() }
        do {
            try await body(cache, client)
        } catch {
            runner.cancel()
            await runner.value
            throw error
        }
        runner.cancel()
        await runner.value
    }

    @Test func initialListIsPaginated() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            for i in 0..<7 { _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("m\(i)", labels: Self.managed), as: Job.self) }
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("unmanaged"), as: Job.self)
            try await emulator.resetRequests()
            try await Self.withCache(emulator, pageSize: 3) { cache, _ in
                #expect(await cache.waitForSync(timeout: 10))
                #expect(Set(cache.snapshot().keys) == Set((0..<7).map { "m\($0)" }))
                #expect(cache.listCount == 1)
                let lists = try await emulator.requests().log.filter { $0.verb == "list" && $0.resource == "jobs" }
                #expect(lists.count == 3)
                #expect(lists.allSatisfy { ($0.query ?? "").contains("limit=3") })
            }
        }
    }

    /// Listed or watched, a Job keeps only the labels asked for (all by default).
    @Test func keepsOnlyTheLabelsAskedFor() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            let labels = Self.managed.merging(["tenant-provisioner/account": "a1", "team": "x"]) { a, _ in a }
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("listed", labels: labels), as: Job.self)
            try await Self.withCache(emulator, keptLabels: ["app.kubernetes.io/managed-by"]) { cache, client in
                #expect(await cache.waitForSync(timeout: 10))
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("watched", labels: labels), as: Job.self)
                #expect(await poll(timeout: 10) { cache.job(named: "watched") != nil })
                #expect(cache.job(named: "listed")?.labels == StringPairs(Self.managed))
                #expect(cache.job(named: "watched")?.labels == StringPairs(Self.managed))
            }
            try await Self.withCache(emulator) { cache, _ in
                #expect(await cache.waitForSync(timeout: 10))
                #expect(cache.job(named: "listed")?.labels == StringPairs(labels))
            }
        }
    }

    @Test func changesArriveAfterTheList() async throws {
        try await KubeEmulator.with { emulator in
            try await Self.withCache(emulator) { cache, client in
                let changes = cache.changes()
                #expect(await cache.waitForSync(timeout: 10))
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("c1", labels: Self.managed), as: Job.self)
                #expect(await poll(timeout: 10) { cache.job(named: "c1")?.active == 1 })
                try await client.delete(.jobs, namespace: "default", name: "c1", propagation: .background)
                #expect(await poll(timeout: 10) { cache.job(named: "c1") == nil })
                var seen: [String] = []
                for await change in changes {
                    switch change {
                    case .added(let j): seen.append("added \(j.name)")
                    case .modified(_, let j): seen.append("modified \(j.name)")
                    case .deleted(let j): seen.append("deleted \(j.name)")
                    case .synced: seen.append("synced")
                    }
                    if seen.last == "deleted c1" { break }
                }
                #expect(seen.first == "synced")
                #expect(seen.dropFirst().first == "added c1")
                #expect(seen.last == "deleted c1")
            }
        }
    }

    @Test func failedJobShowsInTheSummary() async throws {
        try await KubeEmulator.with { emulator in
            try await Self.withCache(emulator) { cache, client in
                #expect(await cache.waitForSync(timeout: 10))
                try await emulator.scriptOutcome(job: "f1", outcome: ["result": "fail", "afterSeconds": .double(0.1), "exitCode": 137, "reason": "OOMKilled"])
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("f1", labels: Self.managed), as: Job.self)
                #expect(await poll(timeout: 10) { cache.job(named: "f1")?.isFailed == true })
                #expect(cache.job(named: "f1")?.trueCondition("Failed")?.lastTransitionTime != nil)
            }
        }
    }

    /// A finalizer of the test's own holds the Job in its terminating state until the test has
    /// seen it there (a 0.3 s window polled for was missed once on a busy CI machine).
    @Test func theCacheFollowsAForegroundDeletionToItsEnd() async throws {
        try await KubeEmulator.with(arguments: ["--foreground-delay", "0.3"]) { emulator in
            try await Self.withCache(emulator) { cache, client in
                var held = Fixtures.job("fg", labels: Self.managed)
                held["metadata"]?["finalizers"] = ["tenant-provisioner.dev/test-hold"]
                _ = try await client.create(.jobs, namespace: "default", body: held, as: Job.self)
                #expect(await poll(timeout: 10) { cache.job(named: "fg") != nil })
                try await client.delete(.jobs, namespace: "default", name: "fg", propagation: .foreground)
                #expect(await poll(timeout: 10) { cache.job(named: "fg")?.isTerminating == true })
                var current = try #require(try await client.get(.jobs, namespace: "default", name: "fg", as: JSONValue.self))
                let others = (current["metadata"]?["finalizers"]?.arrayValue ?? []).filter { $0 != "tenant-provisioner.dev/test-hold" }
                current["metadata"]?["finalizers"] = .array(others)
                let _: JSONValue = try await client.update(.jobs, namespace: "default", name: "fg", body: current)
                #expect(await poll(timeout: 10) { cache.job(named: "fg") == nil })
                #expect(try await client.get(.jobs, namespace: "default", name: "fg", as: Job.self) == nil)
            }
        }
    }

    @Test func relistsAfterAWatchCutMidLine() async throws {
        try await KubeEmulator.with { emulator in
            try await Self.withCache(emulator) { cache, client in
                #expect(await cache.waitForSync(timeout: 10))
                try await Task.sleep(nanoseconds: 200_000_000)
                try await emulator.cutWatches(midLine: true)
                // Made while the cache is between watches: the relist must bring it in.
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("after-cut", labels: Self.managed), as: Job.self)
                #expect(await poll(timeout: 10) { cache.listCount >= 2 })
                #expect(await poll(timeout: 10) { cache.job(named: "after-cut") != nil })
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("after-relist", labels: Self.managed), as: Job.self)
                #expect(await poll(timeout: 10) { cache.job(named: "after-relist") != nil })
            }
        }
    }

    @Test func relistsAfterGone() async throws {
        try await KubeEmulator.with(arguments: ["--gone-window", "3"]) { emulator in
            try await Self.withCache(emulator) { cache, client in
                #expect(await cache.waitForSync(timeout: 10))
                try await Task.sleep(nanoseconds: 200_000_000)
                try await emulator.cutWatches(midLine: false)
                // Enough unrelated changes while the watch is down that its resourceVersion expires.
                for i in 0..<6 { _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("noise\(i)"), as: Job.self) }
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("late", labels: Self.managed), as: Job.self)
                #expect(await poll(timeout: 10) { cache.job(named: "late") != nil })
                #expect(cache.listCount >= 2)
            }
        }
    }

    @Test func deletionDuringAnOutageIsReportedByTheRelist() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("vanishes", labels: Self.managed), as: Job.self)
            try await Self.withCache(emulator, backoff: Backoff(initial: 0.5, factor: 2, maximum: 1)) { cache, client in
                let changes = cache.changes()
                #expect(await cache.waitForSync(timeout: 10))
                try await emulator.cutWatches(midLine: true)
                try await client.delete(.jobs, namespace: "default", name: "vanishes", propagation: .background)
                var deleted = false
                for await change in changes {
                    if case .deleted(let j) = change, j.name == "vanishes" { deleted = true; break }
                }
                #expect(deleted)
                #expect(cache.job(named: "vanishes") == nil)
            }
        }
    }

    @Test func updatesSinceARevisionReplayedOnItsSnapshotGiveTheCacheNow() async throws {
        try await KubeEmulator.with { emulator in
            try await Self.withCache(emulator) { cache, client in
                #expect(await cache.waitForSync(timeout: 10))
                for i in 0..<4 { _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("u\(i)", labels: Self.managed), as: Job.self) }
                #expect(await poll(timeout: 10) { cache.count == 4 })
                let (revision, first) = cache.updates(since: nil)
                guard case .everything(var replayed) = first else {
                    Issue.record("a reader without a revision gets everything, got \(first)")
                    return
                }
                try await client.delete(.jobs, namespace: "default", name: "u0", propagation: .background)
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("u9", labels: Self.managed), as: Job.self)
                #expect(await poll(timeout: 10) { cache.job(named: "u0") == nil && cache.job(named: "u9") != nil })
                let (next, second) = cache.updates(since: revision)
                guard case .changed(let changed) = second else {
                    Issue.record("a recent revision gets the changes, got \(second)")
                    return
                }
                #expect(changed.keys.contains("u0") && changed.keys.contains("u9"))
                for (name, job) in changed { replayed[name] = job }
                #expect(replayed == cache.snapshot())
                #expect(next > revision)
                #expect(cache.updates(since: next).updates == .changed([:]))
            }
        }
    }

    @Test func idleCacheMakesNoListRequests() async throws {
        try await KubeEmulator.with { emulator in
            try await Self.withCache(emulator) { cache, _ in
                #expect(await cache.waitForSync(timeout: 10))
                // Let the watch that follows the list get under way.
                try await Task.sleep(nanoseconds: 300_000_000)
                try await emulator.resetRequests()
                for _ in 0..<20 {
                    _ = cache.snapshot()
                    _ = cache.job(named: "x")
                }
                try await Task.sleep(nanoseconds: 1_500_000_000)
                let log = try await emulator.requests()
                #expect(log.count("list", "jobs") == 0)
                #expect(log.log.filter { $0.resource == "jobs" && $0.verb != "watch" }.isEmpty)
                #expect(log.count("watch", "jobs") <= 1)
                #expect(cache.listCount == 1)
            }
        }
    }

    @Test func stopsOnCancellation() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            let cache = JobCache(client: client, namespace: "default", labelSelector: Self.selector, logger: .disabled)
            let runner = Task { await cache.run() }
            #expect(await cache.waitForSync(timeout: 10))
            let started = Date()
            runner.cancel()
            await runner.value
            #expect(Date().timeIntervalSince(started) < 5, "a cancelled cache stops at once, not after its watch times out (300 s)")
        }
    }
}

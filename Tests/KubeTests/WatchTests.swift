import Common
import Foundation
import Kube
import Synchronization
import Testing
import TestSupport

@Suite struct WatchTests {
    /// Collects events until `count` arrived, the stream ended, or `timeout` passed.
    /// `until` ends the collection early once an event satisfies it.
    static func collect<T>(_ stream: AsyncThrowingStream<WatchEvent<T>, any Error>, count: Int, timeout: Double = 10,
                           until stop: @escaping @Sendable (WatchEvent<T>) -> Bool = { _ in false }) async -> (events: [WatchEvent<T>], error: (any Error)?, ended: Bool) {
        await withTaskGroup(of: ([WatchEvent<T>], (any Error)?, Bool)?.self) { group in
            group.addTask {
                var events: [WatchEvent<T>] = []
                do {
                    for try await event in stream {
                        events.append(event)
                        if events.count == count || stop(event) { return (events, nil, false) }
                    }
                    return (events, nil, true)
                } catch {
                    return (events, error, true)
                }
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            if let first { return first }
            // Timed out: the collecting task returns what it had once cancelled.
            return await group.next()!.map { ($0.0, $0.1, false) } ?? ([], nil, false)
        }
    }

    static func names(_ events: [WatchEvent<JobSummary>]) -> [String] {
        events.compactMap {
            switch $0 {
            case .added(let j): "ADDED \(j.name)"
            case .modified(let j): "MODIFIED \(j.name)"
            case .deleted(let j): "DELETED \(j.name)"
            case .bookmark: nil
            }
        }
    }

    @Test func eventsArriveInOrder() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            let list = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
            let stream = client.watch(.jobs, namespace: "default", labelSelector: "w=1", resourceVersion: list.metadata.resourceVersion,
                                      allowBookmarks: false, as: JobSummary.self)
            // Until the deletion arrives; the timeout only bounds a broken run on a loaded machine.
            let collector = Task {
                await Self.collect(stream, count: 100, timeout: 20) { event in
                    if case .deleted(let job) = event { return job.name == "w1" }
                    return false
                }
            }
            try await Task.sleep(nanoseconds: 200_000_000)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("w1", labels: ["w": "1"]), as: Job.self)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("other"), as: Job.self)
            try await Task.sleep(nanoseconds: 300_000_000)
            try await client.delete(.jobs, namespace: "default", name: "w1", propagation: .orphan)
            let result = await collector.value
            #expect(result.error == nil)
            let names = Self.names(result.events)
            // The pod starting modifies the Job's status in between; the other Job never shows up.
            #expect(names.first == "ADDED w1")
            #expect(names.last == "DELETED w1")
            #expect(names.dropFirst().dropLast().allSatisfy { $0 == "MODIFIED w1" })
        }
    }

    @Test func watchWithoutVersionStartsWithCurrentObjects() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("existing"), as: Job.self)
            let result = await Self.collect(client.watch(.jobs, namespace: "default", resourceVersion: nil, as: JobSummary.self), count: 1)
            #expect(Self.names(result.events) == ["ADDED existing"])
        }
    }

    @Test func serverTimeoutEndsTheStreamCleanly() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            let list = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
            // `ended`: the server closed the stream (timeoutSeconds 1) before the collector's own
            // 10 s ran out. No wall-clock bound beyond that: CI's busy machine stretched a 5 s one.
            let result = await Self.collect(client.watch(.jobs, namespace: "default", resourceVersion: list.metadata.resourceVersion,
                                                         allowBookmarks: false, timeoutSeconds: 1, as: JobSummary.self), count: 100)
            #expect(result.ended, "the watch outlived its timeoutSeconds by 9 s")
            #expect(result.error == nil)
            #expect(result.events.isEmpty)
        }
    }

    @Test func cutInTheMiddleOfALineEndsWithoutABogusEvent() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            let list = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
            let stream = client.watch(.jobs, namespace: "default", resourceVersion: list.metadata.resourceVersion, allowBookmarks: false, as: JobSummary.self)
            let collector = Task { await Self.collect(stream, count: 100) }
            try await Task.sleep(nanoseconds: 200_000_000)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("before-cut"), as: Job.self)
            try await Task.sleep(nanoseconds: 200_000_000)
            try await emulator.cutWatches(midLine: true)
            let result = await collector.value
            #expect(result.ended)
            let names = Self.names(result.events)
            #expect(names.first == "ADDED before-cut")
            #expect(names.allSatisfy { $0.hasSuffix(" before-cut") })
            guard let error = result.error as? KubeError, case .transport = error else {
                Issue.record("expected a transport error for the cut connection, got \(String(describing: result.error))")
                return
            }
        }
    }

    @Test func expiredResourceVersionIsGone() async throws {
        try await KubeEmulator.with(arguments: ["--gone-window", "2"]) { emulator in
            let client = try Fixtures.client(emulator)
            let old = try await client.list(.jobs, namespace: "default", as: JobSummary.self).metadata.resourceVersion
            for i in 0..<5 { _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("g\(i)"), as: Job.self) }
            let result = await Self.collect(client.watch(.jobs, namespace: "default", resourceVersion: old, as: JobSummary.self), count: 100)
            #expect(result.ended)
            guard let error = result.error as? KubeError, case .gone = error else {
                Issue.record("expected KubeError.gone, got \(String(describing: result.error))")
                return
            }
        }
    }

    @Test func bookmarksArrive() async throws {
        try await KubeEmulator.with(arguments: ["--bookmark-interval", "0.2"]) { emulator in
            let client = try Fixtures.client(emulator)
            let rv = try await client.list(.jobs, namespace: "default", as: JobSummary.self).metadata.resourceVersion
            let result = await Self.collect(client.watch(.jobs, namespace: "default", resourceVersion: rv, allowBookmarks: true, as: JobSummary.self), count: 1)
            guard case .bookmark(let version)? = result.events.first else {
                Issue.record("expected a bookmark, got \(result.events)")
                return
            }
            #expect(!version.isEmpty)
        }
    }

    @Test func cancellingTheConsumerStopsTheWatch() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            let rv = try await client.list(.jobs, namespace: "default", as: JobSummary.self).metadata.resourceVersion
            let events = Mutex(0)
            let consumer = Task {
                for try await _ in client.watch(.jobs, namespace: "default", resourceVersion: rv, as: JobSummary.self) {
                    events.withLock { $0 += 1 }
                }
            }
            // An event proves the watch is established (a fixed sleep was not enough on a loaded machine).
            let _: JSONValue = try await client.create(.jobs, namespace: "default", body: Fixtures.job("w"))
            #expect(await poll(timeout: 10) { events.withLock { $0 } > 0 })
            let started = Date()
            consumer.cancel()
            _ = await consumer.result
            #expect(Date().timeIntervalSince(started) < 5, "the transfer is aborted, not left to its timeout")
            #expect(await poll(timeout: 5) {
                client.metrics.snapshot()[.init(verb: .watch, code: 200)] == 1
            })
        }
    }
}

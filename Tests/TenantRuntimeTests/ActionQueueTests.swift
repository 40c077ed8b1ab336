import Foundation
import TenantCore
import Testing
@testable import TenantRuntime

@Suite struct ActionQueueTests {
    static func item(_ key: String, urgent: Bool = false, verb: String = "delete") -> WorkItem {
        WorkItem(key: key, action: .delete(jobName: "worker-\(key)", uid: "uid-\(key)-\(verb)", accountID: key, reason: verb),
                 accountActive: false, enqueuedAt: Date(timeIntervalSince1970: 0), urgent: urgent)
    }

    @Test func aKeyAlreadyQueuedIsNotQueuedTwice() async {
        let queue = ActionQueue()
        let accepted = await queue.enqueue([Self.item("a"), Self.item("b"), Self.item("a", verb: "again")])
        #expect(accepted.map(\.key) == ["a", "b"])
        #expect(await queue.enqueue([Self.item("b")]).isEmpty)
        #expect(await queue.depth == 2)
    }

    @Test func aKeyBeingWorkedOnIsNotQueuedUntilFinished() async {
        let queue = ActionQueue()
        await queue.enqueue([Self.item("a")])
        let running = await queue.next()
        #expect(running?.key == "a")
        #expect(await queue.enqueue([Self.item("a", urgent: true)]).isEmpty)
        #expect(await queue.busyKeys() == ["a"])
        await queue.finished("a")
        #expect(await queue.busyKeys().isEmpty)
        #expect(await queue.enqueue([Self.item("a")]).count == 1)
    }

    @Test func urgentItemsAreHandedOutFirst() async {
        let queue = ActionQueue()
        await queue.enqueue([Self.item("n1"), Self.item("n2")])
        await queue.enqueue([Self.item("u1", urgent: true)])
        var order: [String] = []
        for _ in 0..<3 { if let item = await queue.next() { order.append(item.key) } }
        #expect(order == ["u1", "n1", "n2"])
    }

    @Test func anUrgentItemReplacesAQueuedNormalOneForTheSameKey() async {
        let queue = ActionQueue()
        await queue.enqueue([Self.item("n1"), Self.item("a")])
        let accepted = await queue.enqueue([Self.item("a", urgent: true, verb: "urgent")])
        #expect(accepted.count == 1)
        #expect(await queue.depth == 2)
        let first = await queue.next()
        #expect(first?.key == "a" && first?.urgent == true)
        #expect(await queue.next()?.key == "n1")
    }

    @Test func aWaitingWorkerGetsTheNextEnqueuedItem() async {
        let queue = ActionQueue()
        async let waiting = queue.next()
        try? await Task.sleep(nanoseconds: 50_000_000)
        await queue.enqueue([Self.item("late")])
        #expect(await waiting?.key == "late")
        #expect(await queue.busyKeys() == ["late"])
    }

    @Test func closeDropsQueuedWorkReleasesWaitersAndRefusesMore() async {
        let queue = ActionQueue()
        async let waiting = queue.next()
        try? await Task.sleep(nanoseconds: 50_000_000)
        await queue.close()
        #expect(await waiting == nil)

        let other = ActionQueue()
        await other.enqueue([Self.item("a")])
        await other.close()
        #expect(await other.next() == nil)
        #expect(await other.enqueue([Self.item("b")]).isEmpty)
        #expect(await other.depth == 0)
    }

    @Test func waitUntilIdleWaitsForTheRunningItem() async {
        let queue = ActionQueue()
        await queue.enqueue([Self.item("a")])
        _ = await queue.next()
        await queue.close()
        #expect(await queue.waitUntilIdle(timeout: 0.1) == false)
        async let idle = queue.waitUntilIdle(timeout: 600)
        await queue.finished("a")
        #expect(await idle)
    }
}

import Synchronization
import Testing
@testable import TenantRuntime

@Suite struct PendingRecordsTests {
    struct Down: Error {}

    final class FakeDatabase: Sendable {
        let up = Mutex(false)
        let written = Mutex<[String]>([])
        func write(_ what: String) throws {
            guard up.withLock({ $0 }) else { throw Down() }
            written.withLock { $0.append(what) }
        }
    }

    @Test func recordsAreWrittenInOrderOnceTheDatabaseIsBack() async {
        let db = FakeDatabase()
        let pending = PendingRecords()
        for name in ["a", "b", "c"] { await pending.add(name) { try db.write(name) } }
        #expect(await pending.flush() == 0)
        #expect(await pending.count == 3)
        db.up.withLock { $0 = true }
        #expect(await pending.flush() == 3)
        #expect(await pending.count == 0)
        #expect(db.written.withLock { $0 } == ["a", "b", "c"])
    }

    @Test func beyondTheLimitTheOldestAreDroppedAndCounted() async {
        let db = FakeDatabase()
        let pending = PendingRecords(limit: 2)
        for name in ["a", "b", "c"] { await pending.add(name) { try db.write(name) } }
        #expect(await pending.count == 2)
        #expect(await pending.droppedCount == 1)
        db.up.withLock { $0 = true }
        await pending.flush()
        #expect(db.written.withLock { $0 } == ["b", "c"])
    }
}

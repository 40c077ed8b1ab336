import Testing
@testable import TenantRuntime

@Suite struct FIFOTests {
    @Test func keepsOrderAcrossCompactionsAndInterleavedAppends() {
        var fifo = FIFO<Int>()
        var expected: [Int] = []
        var popped: [Int] = []
        var next = 0
        // Long enough to cross the compaction threshold several times, with appends in between.
        for round in 0..<50 {
            for _ in 0..<(100 + round * 7) {
                fifo.append(next)
                expected.append(next)
                next += 1
            }
            for _ in 0..<(90 + round * 5) {
                if let value = fifo.popFirst() { popped.append(value) }
            }
            #expect(fifo.count == expected.count - popped.count)
        }
        while let value = fifo.popFirst() { popped.append(value) }
        #expect(popped == expected)
        #expect(fifo.isEmpty && fifo.count == 0 && fifo.popFirst() == nil)
    }

    @Test func removesTheFirstMatchOnlyAmongQueuedElements() {
        var fifo = FIFO<String>()
        for key in ["a", "b", "c", "b"] { fifo.append(key) }
        #expect(fifo.popFirst() == "a")
        #expect(fifo.removeFirst(where: { $0 == "a" }) == nil, "a was already taken")
        #expect(fifo.removeFirst(where: { $0 == "b" }) == "b")
        #expect(fifo.popFirst() == "c")
        #expect(fifo.popFirst() == "b")
        fifo.append("d")
        fifo.removeAll()
        #expect(fifo.isEmpty)
    }

    @Test func givesItsBufferBackAsItDrains() {
        var fifo = FIFO<Int>()
        for value in 0..<10_000 { fifo.append(value) }
        let full = fifo.capacity
        for _ in 0..<7_500 { _ = fifo.popFirst() }
        #expect(fifo.capacity <= full / 2, "spent slots are not kept")
        // Emptied by removing the last element by match (an urgent item replacing a queued one).
        while fifo.count > 1 { _ = fifo.popFirst() }
        #expect(fifo.removeFirst { $0 == 9_999 } == 9_999)
        #expect(fifo.isEmpty && fifo.capacity == 0)
    }
}

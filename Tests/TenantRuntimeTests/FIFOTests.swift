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
}

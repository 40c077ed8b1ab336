/// A first-in first-out list: `append` and `popFirst` in amortized constant time. An `Array`'s
/// `removeFirst` moves every remaining element, so draining a queue of 100,000 creates cost
/// time quadratic in its length (most of the provisioner's CPU per Job at 100,000 accounts,
/// docs/benchmark.md), and the array kept its full capacity after it was drained.
struct FIFO<Element> {
    private var items: [Element] = []
    /// Index of the first element still queued; the slots before it are spent.
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }

    mutating func append(_ element: Element) {
        items.append(element)
    }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let element = items[head]
        head += 1
        compact()
        return element
    }

    /// Removes and returns the first element that matches, keeping the order of the rest.
    mutating func removeFirst(where matches: (Element) -> Bool) -> Element? {
        guard let index = items[head...].firstIndex(where: matches) else { return nil }
        let element = items.remove(at: index)
        compact()
        return element
    }

    /// Slots in the buffer, spent ones included (for tests of the memory it keeps).
    var capacity: Int { items.capacity }

    /// Gives memory back as the list drains: a burst of 10,000 creates left a 6.4 MB buffer
    /// behind while the queue stood empty (heaptrack, docs/benchmark.md).
    private mutating func compact() {
        if head == items.count {
            // Drained: no buffer kept for the next burst.
            items = []
            head = 0
        } else if head >= 1024, head * 2 >= items.count {
            // Spent slots are at least half: copy the rest into a buffer of their size, one move
            // of each element (amortized O(1)); `removeFirst` would keep the whole capacity.
            items = Array(items[head...])
            head = 0
        }
    }

    mutating func removeAll() {
        items = []
        head = 0
    }
}

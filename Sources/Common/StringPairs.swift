/// A small map of strings to strings (a Job's labels or annotations) held as one array of pairs
/// sorted by key: about half the memory of a `Dictionary` for the two to five entries a Job has
/// (a dictionary's table, bitmap and header cost 200 bytes and more; docs/benchmark.md), and a
/// lookup among five keys is as fast as hashing one.
public struct StringPairs: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public typealias Element = (key: String, value: String)

    private var pairs: [Pair] = []

    private struct Pair: Sendable, Hashable {
        var key: String
        var value: String
    }

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// The entries of `dictionary`.
    public init(_ dictionary: [String: String]) {
        pairs = dictionary.map { Pair(key: $0.key, value: $0.value) }.sorted { $0.key < $1.key }
    }

    public var startIndex: Int { pairs.startIndex }
    public var endIndex: Int { pairs.endIndex }
    public subscript(position: Int) -> Element { (pairs[position].key, pairs[position].value) }

    public subscript(key: String) -> String? {
        get {
            let at = position(of: key)
            return at < pairs.count && pairs[at].key == key ? pairs[at].value : nil
        }
        set {
            let at = position(of: key)
            let present = at < pairs.count && pairs[at].key == key
            switch (present, newValue) {
            case (true, let value?): pairs[at].value = value
            case (true, nil): pairs.remove(at: at)
            case (false, let value?): pairs.insert(Pair(key: key, value: value), at: at)
            case (false, nil): break
            }
        }
    }

    /// The same entries as a dictionary.
    public var dictionary: [String: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { ($0.key, $0.value) })
    }

    /// Each key and value passed through `key` and `value` (to intern them); keys must keep their order.
    public func mapStrings(key: (String) -> String, value: (String, String) -> String) -> StringPairs {
        var copy = StringPairs()
        copy.pairs = pairs.map { Pair(key: key($0.key), value: value($0.key, $0.value)) }
        return copy
    }

    public var description: String { dictionary.description }

    /// Where `key` is or would be inserted (binary search over the sorted keys).
    private func position(of key: String) -> Int {
        var low = 0
        var high = pairs.count
        while low < high {
            let middle = (low + high) / 2
            if pairs[middle].key < key { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension StringPairs: Decodable {
    /// From a JSON object of strings, without building a dictionary first.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys {
            self[key.stringValue] = try container.decode(String.self, forKey: key)
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

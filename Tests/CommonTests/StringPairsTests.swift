import Common
import FoundationEssentials
import Testing

@Suite struct StringPairsTests {
    @Test func readsWritesAndRemovesByKey() {
        var pairs: StringPairs = ["b": "2", "a": "1"]
        #expect(pairs["a"] == "1" && pairs["b"] == "2" && pairs["c"] == nil)
        pairs["c"] = "3"
        pairs["a"] = "one"
        pairs["b"] = nil
        pairs["missing"] = nil
        #expect(pairs.map(\.key) == ["a", "c"], "kept sorted by key")
        #expect(pairs.dictionary == ["a": "one", "c": "3"])
        #expect(pairs.count == 2)
    }

    @Test func equalWhateverTheOrderOfInsertion() {
        var first = StringPairs()
        for key in ["x", "m", "a", "q"] { first[key] = key.uppercased() }
        let second = StringPairs(["q": "Q", "a": "A", "x": "X", "m": "M"])
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(first != ["a": "A"])
    }

    @Test func decodesAJSONObjectOfStrings() throws {
        let json = #"{"app.kubernetes.io/managed-by": "tenant-provisioner", "tenant-provisioner/instance": "default"}"#
        let pairs = try JSONDecoder().decode(StringPairs.self, from: Data(json.utf8))
        #expect(pairs == ["tenant-provisioner/instance": "default", "app.kubernetes.io/managed-by": "tenant-provisioner"])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StringPairs.self, from: Data(#"{"a": 1}"#.utf8)) }
    }

    @Test func mapsKeysAndValuesInPlace() {
        let pairs: StringPairs = ["a": "1", "b": "2"]
        let mapped = pairs.mapStrings(key: { $0 }, value: { key, value in key == "a" ? value + "!" : value })
        #expect(mapped == ["a": "1!", "b": "2"])
    }
}

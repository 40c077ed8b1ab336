import Foundation
import Testing
@testable import Common

@Suite struct JSONValueTests {
    @Test func integersStayIntegers() throws {
        let v = try JSONValue.parse(Data(#"{"backoffLimit": 3, "ratio": 1.5, "ok": true, "none": null}"#.utf8))
        #expect(v["backoffLimit"] == .integer(3))
        #expect(v["ratio"] == .double(1.5))
        #expect(v["ok"] == .bool(true))
        #expect(v["none"] == .null)
    }

    @Test func canonicalJSONSortsKeysAndRoundTrips() throws {
        let v: JSONValue = ["b": [1, "x\"y"], "a": ["z": nil, "c": false]]
        #expect(v.canonicalJSON == #"{"a":{"c":false,"z":null},"b":[1,"x\"y"]}"#)
        #expect(try JSONValue.parse(Data(v.canonicalJSON.utf8)) == v)
    }
}

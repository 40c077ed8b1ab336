import Foundation
import Testing
@testable import Common

@Suite struct TimestampTests {
    @Test func formatsKubernetesLayouts() {
        let date = Date(timeIntervalSince1970: 1_795_456_203.123456)
        #expect(Timestamp.rfc3339(date) == "2026-11-23T17:50:03Z")
        #expect(Timestamp.rfc3339Millis(date) == "2026-11-23T17:50:03.123Z")
        #expect(Timestamp.rfc3339Micros(date).hasPrefix("2026-11-23T17:50:03.12345"))
    }

    @Test(arguments: [
        ("2026-11-23T17:50:03Z", 1_795_456_203.0),
        ("2026-11-23T17:50:03.5Z", 1_795_456_203.5),
        ("2026-11-23T18:50:03+01:00", 1_795_456_203.0),
        ("2026-11-23 17:50:03.25+00:00", 1_795_456_203.25),
    ])
    func parsesRFC3339(text: String, epoch: Double) throws {
        let parsed = try #require(Timestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince1970 - epoch) < 1e-6)
    }

    @Test(arguments: ["", "yesterday", "2026-11-23", "2026-11-23T17:50:03", "2026-13-23T17:50:03Zjunk"])
    func rejectsMalformed(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}

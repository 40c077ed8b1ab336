import Foundation
@testable import Postgres
import Testing

@Suite struct PostgresValueTests {
    @Test func arrayLiteralQuotesEveryElementAndKeepsNull() {
        let literal = PostgresValue.textArray(["a,b", "say \"hi\"", "back\\slash", nil, "NULL", "{}"]).textEncoding
        #expect(literal == #"{"a,b","say \"hi\"","back\\slash",NULL,"NULL","{}"}"#)
    }

    @Test func timestampIsSentAsRFC3339WithMicroseconds() {
        let value = PostgresValue.timestamp(.init(timeIntervalSince1970: 1_700_000_000.25))
        #expect(value.textEncoding == "2023-11-14T22:13:20.250000Z")
    }

    @Test func postgresTimestampOutputParses() {
        #expect(PostgresTimestamp.parse("2023-11-14 22:13:20.25+00")?.timeIntervalSince1970 == 1_700_000_000.25)
        #expect(PostgresTimestamp.parse("2023-11-14 23:13:20+01")?.timeIntervalSince1970 == 1_700_000_000)
        #expect(PostgresTimestamp.parse("2023-11-14 22:13:20")?.timeIntervalSince1970 == 1_700_000_000)
    }
}

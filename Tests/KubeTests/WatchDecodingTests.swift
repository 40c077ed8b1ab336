import Foundation
import Kube
import Testing

@Suite struct WatchDecodingTests {
    @Test func lineSplitAcrossChunksIsReassembled() {
        var buffer = WatchLineBuffer()
        #expect(buffer.append(Data(#"{"type":"ADD"#.utf8)).isEmpty)
        let lines = buffer.append(Data("ED\"}\n{\"a\":1}\n{\"b\"".utf8))
        #expect(lines.map { String(decoding: $0, as: UTF8.self) } == [#"{"type":"ADDED"}"#, #"{"a":1}"#])
        #expect(buffer.pendingByteCount == 4)
    }

    @Test func blankLinesAreSkipped() {
        var buffer = WatchLineBuffer()
        #expect(buffer.append(Data("\n\r\n  \n{}\n".utf8)).count == 1)
    }

    @Test func eventsDecodeByType() throws {
        let added = try WatchEvent<JobSummary>.decode(line: Data(#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}"#.utf8))
        guard case .added(let job) = added else { Issue.record("expected added"); return }
        #expect(job.name == "a")
        let deleted = try WatchEvent<JobSummary>.decode(line: Data(#"{"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"6"}}}"#.utf8))
        guard case .deleted = deleted else { Issue.record("expected deleted"); return }
        let bookmark = try WatchEvent<JobSummary>.decode(line: Data(#"{"type":"BOOKMARK","object":{"kind":"Job","metadata":{"resourceVersion":"77"}}}"#.utf8))
        guard case .bookmark(let rv) = bookmark else { Issue.record("expected bookmark"); return }
        #expect(rv == "77")
    }

    @Test func errorEventWith410IsGone() {
        let line = Data(#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (50)","reason":"Expired","code":410}}"#.utf8)
        #expect(throws: KubeError.gone(message: "too old resource version: 1 (50)")) {
            try WatchEvent<JobSummary>.decode(line: line)
        }
    }

    @Test func otherErrorEventIsAnAPIError() {
        let line = Data(#"{"type":"ERROR","object":{"kind":"Status","message":"boom","reason":"InternalError","code":500}}"#.utf8)
        do {
            _ = try WatchEvent<JobSummary>.decode(line: line)
            Issue.record("expected an error")
        } catch {
            #expect(error.statusCode == 500)
            #expect(error != .gone(message: "boom"))
        }
    }

    @Test func halfALineIsNotAnEvent() {
        #expect(throws: KubeError.self) {
            try WatchEvent<JobSummary>.decode(line: Data(#"{"type":"ADDED","object":{"metad"#.utf8))
        }
    }
}

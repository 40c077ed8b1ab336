import Foundation
import Testing
@testable import Common

@Suite struct LoggerTests {
    @Test func textLinesCarrySortedMetadata() {
        let sink = LogSink.memory(minimumLevel: .info)
        let log = Logger(label: "provisioner", sink: sink).with(["account.id": "acme"])
        log.debug("hidden")
        log.info("job created", ["job.name": "worker-acme"])
        #expect(sink.lines.count == 1)
        #expect(sink.lines[0].hasSuffix("INFO provisioner: job created account.id=acme job.name=worker-acme"))
    }

    @Test func jsonLinesAreValidJSON() throws {
        let sink = LogSink.memory(format: .json)
        Logger(label: "migrate", sink: sink).warning("odd \"value\"\n", ["file": "0001_init.sql"])
        let object = try JSONSerialization.jsonObject(with: Data(sink.lines[0].utf8)) as? [String: String]
        #expect(object?["msg"] == "odd \"value\"\n")
        #expect(object?["level"] == "warning")
        #expect(object?["file"] == "0001_init.sql")
    }
}

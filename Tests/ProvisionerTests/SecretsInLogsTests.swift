import Common
import Foundation
import TestSupport
import Testing

/// SPEC "Common configuration": no secret (password, token) is ever printed — not in the start-up
/// line with the effective configuration, not in debug logs of a working run.
@Suite struct SecretsInLogsTests {
    @Test func neitherTheDatabasePasswordNorTheAPITokenReachTheLog() async throws {
        try await ProvisionerFixture.with { f in
            let password = "pw-\(UUID().uuidString)"
            // The test server trusts local connections, so any password is accepted and unused.
            let url = f.database.url + " password='\(password)'"
            try #require(url.contains(password))
            try await f.insertAccount("quiet")
            let provisioner = try f.start([], ["DATABASE_URL": url, "LOG_LEVEL": "debug", "LOG_FORMAT": "json", "POLL_INTERVAL": "1"])
            try await eventually("the Job", log: provisioner.logTail) { try await f.jobNames() == ["worker-quiet"] }
            try await eventually("the start-up line", log: provisioner.logTail) { provisioner.log.contains("\"msg\":\"starting\"") }
            let log = provisioner.log
            #expect(!log.contains(password))
            #expect(!log.contains(f.emulator.token))
            // Every line is one JSON object.
            for line in log.split(separator: "\n") {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not JSON: \(line)")
            }
        }
    }
}

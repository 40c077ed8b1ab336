import Common
import Foundation
import Kube
import Testing
import TestSupport

/// The test helper other suites rely on.
@Suite struct KubeEmulatorTests {
    @Test func startWritesCredentialsAndStopEndsTheProcessPromptly() async throws {
        let emulator = try await KubeEmulator.start()
        #expect(FileManager.default.fileExists(atPath: emulator.kubeconfigPath))
        #expect(FileManager.default.fileExists(atPath: emulator.clientCertificateKubeconfigPath))
        #expect(FileManager.default.fileExists(atPath: emulator.caPath))
        #expect(emulator.server == "https://127.0.0.1:\(emulator.port)")
        #expect(!emulator.token.isEmpty)
        // SIGTERM must reach the child (the test runner blocks it in its own threads); when it
        // does not, `stop()` falls back to SIGKILL after 5 s: shown by how it ended, not by a clock.
        let code = await emulator.stop()
        #expect(code != nil && code != 128 + SIGKILL, "ended with \(code.map(String.init) ?? "nothing")")
        #expect(!FileManager.default.fileExists(atPath: emulator.stateDirectory))
    }

    @Test func requestLogCountsByVerbAndResource() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("r1"), as: Job.self)
            _ = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
            let log = try await emulator.requests()
            #expect(log.count("create", "jobs") == 1)
            #expect(log.count("list", "jobs") == 1)
            #expect(log.log.contains { $0.method == "POST" && $0.code == 201 })
            try await emulator.resetRequests()
            #expect(try await emulator.requests().log.isEmpty)
        }
    }

    @Test func resetDeletesEveryObject() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("gone-after-reset"), as: Job.self)
            try await emulator.reset()
            #expect(try await client.get(.jobs, namespace: "default", name: "gone-after-reset", as: Job.self) == nil)
        }
    }

    @Test func finishJobAppliesAnOutcomeNow() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("fin"), as: Job.self)
            #expect(try await poll(timeout: 10) { try await client.get(.jobs, namespace: "default", name: "fin", as: Job.self)?.status?.active == 1 })
            try await emulator.finishJob(name: "fin", outcome: ["result": "succeed"])
            #expect(try await poll(timeout: 10) {
                try await client.get(.jobs, namespace: "default", name: "fin", as: Job.self)?.trueCondition("Complete") != nil
            })
        }
    }
}

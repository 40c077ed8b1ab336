import Common
import Foundation
import Postgres
import TestSupport
import Testing

/// Each test here runs its own PostgreSQL server, because it stops it.
@Suite struct ServerRestartTests {
    @Test func connectionFailsFastWhileDownAndRecoversAfterRestart() async throws {
        try await TestPostgresServer.with { server in
            let db = PostgresConnection(config: try PostgresConfig(connectionString: server.url))
            #expect(try await db.query("SELECT 1 AS one").count == 1)

            try await server.stop()
            let started = Date()
            await #expect { _ = try await db.query("SELECT 1 AS one") } throws: { ($0 as? PostgresError)?.kind == .connection }
            await #expect { _ = try await db.query("SELECT 1 AS one") } throws: { ($0 as? PostgresError)?.kind == .connection }
            #expect(Date().timeIntervalSince(started) < 5, "a refused connection fails at once, not after connect_timeout")

            try await server.startServer()
            #expect(try await db.query("SELECT 1 AS one").count == 1)
        }
    }

    @Test func idleConnectionSurvivesAServerRestart() async throws {
        try await TestPostgresServer.with { server in
            let db = PostgresConnection(config: try PostgresConfig(connectionString: server.url))
            try await db.connect()
            try await server.restart()
            #expect(try await db.query("SELECT 1 AS one").count == 1)
        }
    }

    @Test func listenerReconnectsAfterRestartAndReceivesAgain() async throws {
        try await TestPostgresServer.with { server in
            let config = try PostgresConfig(connectionString: server.url)
            let listener = NotificationListener(config: config, channels: ["ch"], backoff: .init(initial: 0.1, maximum: 0.5))
            defer { listener.stop() }
            var events = listener.events.makeAsyncIterator()
            #expect(await events.next() == .listening)
            try await server.restart()
            var sawDisconnect = false
            while let event = await events.next() {
                if case .disconnected = event { sawDisconnect = true }
                if event == .listening { break }
            }
            #expect(sawDisconnect)
            try await PostgresConnection(config: config).notify(channel: "ch", payload: "after restart")
            guard case .notification(let notification)? = await events.next() else {
                Issue.record("expected a notification")
                return
            }
            #expect(notification.payload == "after restart")
        }
    }

    @Test func wrongPasswordErrorDoesNotContainThePassword() async throws {
        try await TestPostgresServer.with(hostAuthentication: .scramSHA256) { server in
            let admin = PostgresConnection(config: try PostgresConfig(connectionString: server.superuserURL))
            // The role name and password are test constants; DDL takes no parameters.
            try await admin.execute("CREATE ROLE app LOGIN PASSWORD 'right-password-123'")
            let good = PostgresConnection(config: try PostgresConfig(connectionString: "postgresql://app:right-password-123@127.0.0.1:\(server.port)/postgres"))
            #expect(try await good.query("SELECT current_user AS u").first?.decode("u", as: String.self) == "app")

            let wrong = "wrong-Pa55word-xyz"
            let bad = PostgresConnection(config: try PostgresConfig(connectionString: "postgresql://app:\(wrong)@127.0.0.1:\(server.port)/postgres"))
            do {
                _ = try await bad.query("SELECT 1")
                Issue.record("login with a wrong password should fail")
            } catch let error as PostgresError {
                #expect(error.kind == .connection)
                #expect(error.description.contains("password authentication failed"))
                #expect(!error.description.contains(wrong))
                #expect(!"\(error)".contains(wrong))
            }
        }
    }
}

import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct NotificationListenerTests {
    @Test func listenReceivesNotifyPayloadWithinOneSecond() async throws {
        try await TestDatabase.with { database in
            let listener = NotificationListener(config: database.config, channels: ["accounts_changed"])
            defer { listener.stop() }
            var events = listener.events.makeAsyncIterator()
            #expect(await events.next() == .listening)
            let sent = Date()
            try await database.connect().notify(channel: "accounts_changed", payload: "tenant-ü'1")
            guard case .notification(let notification)? = await events.next() else {
                Issue.record("expected a notification")
                return
            }
            #expect(Date().timeIntervalSince(sent) < 1)
            #expect(notification.channel == "accounts_changed")
            #expect(notification.payload == "tenant-ü'1")
        }
    }

    @Test func stopFinishesTheEventStream() async throws {
        try await TestDatabase.with { database in
            let listener = NotificationListener(config: database.config, channels: ["c"])
            var events = listener.events.makeAsyncIterator()
            #expect(await events.next() == .listening)
            listener.stop()
            #expect(await events.next() == nil)
        }
    }
}

import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct NotificationListenerTests {
    /// The payload arrives as sent (unicode, quotes). How fast is a figure of `scripts/bench`
    /// (NOTIFY p50/p99), not of a test on a busy CI machine.
    @Test func listenReceivesTheNotifyPayload() async throws {
        try await TestDatabase.with { database in
            let listener = NotificationListener(config: database.config, channels: ["accounts_changed"])
            defer { listener.stop() }
            var events = listener.events.makeAsyncIterator()
            #expect(await events.next() == .listening)
            try await database.connect().notify(channel: "accounts_changed", payload: "tenant-ü'1")
            guard case .notification(let notification)? = await events.next() else {
                Issue.record("expected a notification")
                return
            }
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

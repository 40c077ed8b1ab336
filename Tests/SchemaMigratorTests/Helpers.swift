import Foundation
import Postgres
import Synchronization
import TestSupport

/// The repository's migrations directory.
var packageMigrations: String { BuildProducts.packageRoot.appendingPathComponent("migrations").path }

/// Collects a listener's notifications in the background so a test can wait for one with a
/// deadline instead of hanging on the stream.
final class NotificationRecorder: Sendable {
    private let received = Mutex<[PostgresNotification]>([])
    private let listening = Mutex(false)
    let listener: NotificationListener

    init(config: PostgresConfig, channel: String) {
        listener = NotificationListener(config: config, channels: [channel])
        let stream = listener.events
        Task { [self] in
            for await event in stream {
                switch event {
                case .listening: self.listening.withLock { $0 = true }
                case .notification(let notification): self.received.withLock { $0.append(notification) }
                case .disconnected: break
                }
            }
        }
    }

    /// Waits until LISTEN is active.
    func ready(timeout: Double = 5) async -> Bool {
        await poll(timeout: timeout, interval: 0.01) { listening.withLock { $0 } }
    }

    /// Waits for the payloads to arrive; returns every payload received so far.
    func payloads(waitingFor expected: Int, timeout: Double = 2) async -> [String] {
        _ = await poll(timeout: timeout, interval: 0.01) { received.withLock { $0.count } >= expected }
        return received.withLock { $0.map(\.payload) }
    }

    func stop() { listener.stop() }
}


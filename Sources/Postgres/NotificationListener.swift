import Common
import FoundationEssentials
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a `NotificationListener` reports.
public enum ListenerEvent: Sendable, Equatable {
    /// Connected and listening. Sent at start and after every reconnect: notifications sent while
    /// it was disconnected are lost, so a consumer should re-read everything it cares about.
    case listening
    case notification(PostgresNotification)
    /// The connection failed or broke; the listener retries with backoff.
    case disconnected(PostgresError)
}

/// A dedicated session that `LISTEN`s on some channels and delivers each `NOTIFY` with its
/// payload. It runs on its own thread and sleeps in `poll(2)` on the connection's socket (plus
/// a wake-up pipe for `stop()`), so it costs nothing while idle and never blocks Swift's pool.
/// It reconnects by itself with `backoff` until stopped.
///
///     let listener = NotificationListener(config: config, channels: ["accounts_changed"], logger: logger)
///     for await event in listener.events { ... }
public final class NotificationListener: Sendable {
    public let events: AsyncStream<ListenerEvent>
    private let control: ListenerControl

    public init(config: PostgresConfig, channels: [String], logger: Logger = .disabled, backoff: Backoff = .reconnect) {
        let (stream, continuation) = AsyncStream.makeStream(of: ListenerEvent.self)
        let control = ListenerControl()
        events = stream
        self.control = control
        continuation.onTermination = { _ in control.stop() }
        let loop = ListenerLoop(config: config, channels: channels, logger: logger.with(["db.target": config.description]),
                                backoff: backoff, control: control, continuation: continuation)
        startThread(name: "pg-listener") { loop.run() }
    }

    /// Stops listening, closes the session and finishes `events`.
    public func stop() { control.stop() }

    deinit { control.stop() }
}

/// The stop flag and the pipe that wakes the listener thread out of `poll`. Both ends stay open
/// until the last reference (listener or thread) is gone, so `stop()` never writes to a closed
/// or reused descriptor.
final class ListenerControl: Sendable {
    let wakeRead: Int32
    let wakeWrite: Int32
    private let stopped = Mutex(false)

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        _ = fcntl(wakeRead, F_SETFL, O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, O_NONBLOCK)
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    var isStopped: Bool { stopped.withLock { $0 } }

    func stop() {
        let first = stopped.withLock { value in
            defer { value = true }
            return !value
        }
        if first {
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
    }

    /// Sleeps until `fd` is readable, `stop()` is called, or `timeout` seconds pass (nil: no limit).
    /// Returns true when `fd` is readable.
    func wait(readable fd: Int32?, timeout: Double?) -> Bool {
        var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        if let fd { descriptors.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        let milliseconds = timeout.map { Int32(min($0 * 1000, Double(Int32.max))) } ?? -1
        while true {
            let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0, descriptors.count == 2 else { return false }
            return descriptors[1].revents != 0
        }
    }
}

/// The listener thread's body: connect, LISTEN, wait on the socket, deliver, reconnect.
private struct ListenerLoop: Sendable {
    let config: PostgresConfig
    let channels: [String]
    let logger: Logger
    let backoff: Backoff
    let control: ListenerControl
    let continuation: AsyncStream<ListenerEvent>.Continuation

    func run() {
        var failures = 0
        while !control.isStopped {
            do {
                let connection = try LibPQConnection(config: config, logger: logger)
                for channel in channels {
                    _ = try connection.executeScript("LISTEN \(try connection.quoteIdentifier(channel))")
                }
                failures = 0
                logger.info("listening for notifications", ["db.channels": channels.joined(separator: ",")])
                continuation.yield(.listening)
                try deliver(from: connection)
            } catch {
                guard !control.isStopped else { break }
                failures += 1
                let delay = backoff.delay(attempt: failures)
                logger.warning("notification listener disconnected; retrying", ["error": error.description, "retry.in_seconds": String(delay)])
                continuation.yield(.disconnected(error))
                _ = control.wait(readable: nil, timeout: delay)
            }
        }
        continuation.finish()
    }

    /// Returns when stopped; throws when the connection breaks.
    private func deliver(from connection: LibPQConnection) throws(PostgresError) {
        while !control.isStopped {
            guard control.wait(readable: connection.socket, timeout: nil) else { continue }
            guard connection.consumeInput() else {
                throw PostgresError(kind: .connection, message: connection.lastErrorMessage)
            }
            for notification in connection.takeNotifications() {
                continuation.yield(.notification(notification))
            }
        }
    }
}

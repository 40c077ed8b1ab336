import FoundationEssentials
import Synchronization

/// Severity of a log line, in increasing order. `LOG_LEVEL` takes these names.
public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case debug, info, warning, error

    private var rank: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// `LOG_FORMAT`: human-readable text or one JSON object per line.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// Where formatted log lines go. One sink is shared by every `Logger` of a process; tests use
/// `LogSink.memory` to read what was logged instead of bootstrapping anything global.
public final class LogSink: Sendable {
    public let minimumLevel: LogLevel
    public let format: LogFormat
    private let write: @Sendable (String) -> Void
    private let captured = Mutex<[String]>([])
    private let capture: Bool

    public init(minimumLevel: LogLevel = .info, format: LogFormat = .text, write: @escaping @Sendable (String) -> Void) {
        self.minimumLevel = minimumLevel
        self.format = format
        self.write = write
        self.capture = false
    }

    private init(memoryWithLevel level: LogLevel, format: LogFormat) {
        self.minimumLevel = level
        self.format = format
        self.write = { _ in }
        self.capture = true
    }

    /// Lines go to standard error, one `write(2)` per line so concurrent lines never interleave.
    public static func standardError(minimumLevel: LogLevel = .info, format: LogFormat = .text) -> LogSink {
        LogSink(minimumLevel: minimumLevel, format: format) { line in
            writeToStandardError(line + "\n")
        }
    }

    /// Keeps every line in memory; read them with `lines`.
    public static func memory(minimumLevel: LogLevel = .debug, format: LogFormat = .text) -> LogSink {
        LogSink(memoryWithLevel: minimumLevel, format: format)
    }

    public var lines: [String] { captured.withLock { $0 } }

    func emit(_ line: String) {
        if capture {
            captured.withLock { $0.append(line) }
        } else {
            write(line)
        }
    }
}

/// A structured logger: a fixed message plus metadata under dotted keys (`account.id`, `job.name`).
/// Libraries take one as a parameter; only executables create the sink.
public struct Logger: Sendable {
    public let label: String
    public var metadata: [String: String]
    public let sink: LogSink

    public init(label: String, sink: LogSink, metadata: [String: String] = [:]) {
        self.label = label
        self.sink = sink
        self.metadata = metadata
    }

    /// A logger that drops everything, for code paths where nobody listens.
    public static var disabled: Logger {
        Logger(label: "disabled", sink: LogSink(minimumLevel: .error, format: .text) { _ in })
    }

    /// The same logger with extra metadata attached to every line.
    public func with(_ extra: [String: String]) -> Logger {
        var copy = self
        copy.metadata.merge(extra) { _, new in new }
        return copy
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= sink.minimumLevel }

    public func debug(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) { log(.debug, message(), metadata) }
    public func info(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) { log(.info, message(), metadata) }
    public func warning(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) { log(.warning, message(), metadata) }
    public func error(_ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) { log(.error, message(), metadata) }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ metadata: [String: String] = [:]) {
        guard isEnabled(level) else { return }
        var all = self.metadata
        all.merge(metadata) { _, new in new }
        sink.emit(LogLine.format(level: level, label: label, message: message(), metadata: all, format: sink.format, at: Date()))
    }
}

/// Formatting of one line, separate from the sink so it is testable.
public enum LogLine {
    public static func format(level: LogLevel, label: String, message: String, metadata: [String: String], format: LogFormat, at date: Date) -> String {
        let timestamp = Timestamp.rfc3339Millis(date)
        switch format {
        case .text:
            var line = "\(timestamp) \(level.rawValue.uppercased()) \(label): \(message)"
            for key in metadata.keys.sorted() {
                line += " \(key)=\(quoteIfNeeded(metadata[key]!))"
            }
            return line
        case .json:
            var object: [(String, String)] = [("ts", timestamp), ("level", level.rawValue), ("logger", label), ("msg", message)]
            for key in metadata.keys.sorted() { object.append((key, metadata[key]!)) }
            return "{" + object.map { "\(JSONText.quote($0.0)):\(JSONText.quote($0.1))" }.joined(separator: ",") + "}"
        }
    }

    static func quoteIfNeeded(_ value: String) -> String {
        if value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            return JSONText.quote(value)
        }
        return value
    }
}

import CLibPQ
import Common
#if canImport(Glibc)
import Glibc
#endif

/// Owns one `PGconn` and makes the blocking libpq calls. Not thread-safe: it lives inside one
/// actor (on that actor's queue) or on one listener thread, and is freed in `deinit`.
final class LibPQConnection {
    private let handle: OpaquePointer
    private let config: PostgresConfig
    private let notices: NoticeLogger

    /// Connects and prepares the session (UTC, ISO dates). Throws `.connection` on failure.
    init(config: PostgresConfig, logger: Logger) throws(PostgresError) {
        self.config = config
        // Our defaults come first: values in the expanded connection string (dbname=...) override them.
        let keywords = ["fallback_application_name", "connect_timeout", "dbname"]
        let values = [config.applicationName, String(config.connectTimeout), config.unredactedConnectionString]
        let cKeywords: [UnsafeMutablePointer<CChar>?] = keywords.map { strdup($0) } + [nil]
        let cValues: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) } + [nil]
        defer {
            cKeywords.forEach { free($0) }
            cValues.forEach { free($0) }
        }
        let connection = cKeywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { k in
            cValues.map { UnsafePointer($0) }.withUnsafeBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 1)
            }
        }
        guard let connection else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection (out of memory)")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = config.scrub(String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines())
            PQfinish(connection)
            throw PostgresError(kind: .connection, message: "cannot connect to \(config): \(message)")
        }
        handle = connection
        notices = NoticeLogger(logger: logger)
        // libpq prints server notices to stderr unless told otherwise; route them to our logger.
        PQsetNoticeReceiver(handle, { context, result in
            guard let context, let result else { return }
            let logger = Unmanaged<NoticeLogger>.fromOpaque(context).takeUnretainedValue()
            logger.receive(result)
        }, Unmanaged.passUnretained(notices).toOpaque())
        // Timestamps are decoded from ISO text in UTC whatever the server's defaults.
        _ = try execute("SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, MDY', false)", [])
    }

    deinit { PQfinish(handle) }

    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    var socket: Int32 { PQsocket(handle) }

    /// True when an idle connection is still usable. A server that shut down or restarted has
    /// closed the socket (and sent a FATAL message), which this sees without sending anything.
    func checkIdleConnection() -> Bool {
        // The shutdown message arrives first (libpq hands it to the notice receiver), the end of
        // the stream after it: read until nothing is pending, a few rounds at most.
        for _ in 0..<4 {
            guard isHealthy else { return false }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { return true }
            if PQconsumeInput(handle) == 0 { return false }
        }
        return isHealthy
    }

    /// One statement with `$n` parameters (the extended protocol: values never touch the SQL text).
    func execute(_ sql: String, _ parameters: [PostgresValue?]) throws(PostgresError) -> QueryResult {
        var texts: [UnsafeMutablePointer<CChar>?] = []
        texts.reserveCapacity(parameters.count)
        defer { texts.forEach { free($0) } }
        var types: [Oid] = []
        types.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() {
            guard let parameter else {
                texts.append(nil)
                types.append(0)  // unspecified: the server infers NULL's type from the statement
                continue
            }
            let text = parameter.textEncoding
            if text.utf8.contains(0) {
                throw PostgresError(kind: .query, message: "parameter $\(index + 1) contains a NUL character, which PostgreSQL text cannot store")
            }
            texts.append(strdup(text))
            types.append(Oid(parameter.typeOID))
        }
        let result = texts.map { UnsafePointer($0) }.withUnsafeBufferPointer { values in
            types.withUnsafeBufferPointer { types in
                PQexecParams(handle, sql, Int32(parameters.count), types.baseAddress, values.baseAddress, nil, nil, 0)
            }
        }
        return try consume(result)
    }

    /// Several statements in one string with no parameters (the simple protocol). Only for SQL
    /// from trusted files, such as migrations.
    func executeScript(_ sql: String) throws(PostgresError) -> QueryResult {
        try consume(PQexec(handle, sql))
    }

    /// `"name"` quoted as an identifier by libpq, for the few statements that take no parameters (LISTEN).
    func quoteIdentifier(_ name: String) throws(PostgresError) -> String {
        let utf8 = Array(name.utf8)
        guard let quoted = PQescapeIdentifier(handle, name, utf8.count) else {
            throw PostgresError(kind: .query, message: "cannot quote identifier: \(lastErrorMessage)")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    /// Reads what arrived on the socket; false when the connection is gone.
    func consumeInput() -> Bool { PQconsumeInput(handle) != 0 && isHealthy }

    /// Notifications already read from the socket.
    func takeNotifications() -> [PostgresNotification] {
        var notifications: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            notifications.append(PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: notify.pointee.extra.map { String(cString: $0) } ?? "",
                senderPID: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return notifications
    }

    var lastErrorMessage: String {
        config.scrub(String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines())
    }

    private func consume(_ result: OpaquePointer?) throws(PostgresError) -> QueryResult {
        guard let result else {
            throw PostgresError(kind: isHealthy ? .query : .connection, message: lastErrorMessage)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            return QueryResult(rows: Self.rows(result), affectedRows: Self.affectedRows(result))
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return QueryResult(rows: [], affectedRows: Self.affectedRows(result))
        default:
            throw error(from: result)
        }
    }

    private func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { config.scrub(String(cString: $0)) }
        }
        let sqlState = field(UInt8(ascii: "C"))
        let message = field(UInt8(ascii: "M")) ?? config.scrub(String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines())
        // Class 08 is connection exceptions; 57P01-57P03 are shutdowns and "cannot connect now".
        let lost = !isHealthy || sqlState?.hasPrefix("08") == true || ["57P01", "57P02", "57P03"].contains(sqlState ?? "")
        return PostgresError(
            kind: lost ? .connection : .query,
            message: message.isEmpty ? lastErrorMessage : message,
            sqlState: sqlState,
            detail: field(UInt8(ascii: "D")),
            hint: field(UInt8(ascii: "H")),
            position: field(UInt8(ascii: "P")).flatMap { Int($0) },
            constraint: field(UInt8(ascii: "n")))
    }

    private static func rows(_ result: OpaquePointer) -> [PostgresRow] {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [PostgresColumn] = []
        var indexByName: [String: Int] = [:]
        for c in 0..<columnCount {
            let name = String(cString: PQfname(result, Int32(c)))
            columns.append(PostgresColumn(name: name, typeOID: UInt32(PQftype(result, Int32(c)))))
            if indexByName[name] == nil { indexByName[name] = c }
        }
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                if PQgetisnull(result, Int32(r), Int32(c)) != 0 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
            }
            rows.append(PostgresRow(columns: columns, indexByName: indexByName, values: values))
        }
        return rows
    }

    private static func affectedRows(_ result: OpaquePointer) -> Int {
        Int(String(cString: PQcmdTuples(result))) ?? 0
    }
}

/// What a statement returned.
struct QueryResult {
    var rows: [PostgresRow]
    var affectedRows: Int
}

/// Receives server notices (e.g. "relation already exists, skipping") for one connection.
/// A class so libpq can hold a pointer to it; the connection keeps it alive.
final class NoticeLogger {
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func receive(_ result: OpaquePointer) {
        let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? ""
        let severity = PQresultErrorField(result, Int32(UInt8(ascii: "V"))).map { String(cString: $0) } ?? "NOTICE"
        logger.debug("database notice", ["db.severity": severity, "db.message": message])
    }
}

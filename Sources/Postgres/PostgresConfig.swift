import CLibPQ
import Common
#if canImport(Glibc)
import Glibc
#endif

/// Where and how to connect: a libpq connection string (URI `postgresql://user@host:5432/db` or
/// `host=... dbname=...`), with libpq's `PG*` environment variables and defaults filling in
/// whatever it leaves out. Built once at start and validated without connecting.
///
/// `description` is safe to log: passwords are shown as `***`.
public struct PostgresConfig: Sendable, CustomStringConvertible {
    /// The connection string with its password. Never log it; use `description`.
    public let unredactedConnectionString: String
    /// The connection string with every password replaced by `***`.
    public let redactedConnectionString: String
    /// `fallback_application_name`: shown in `pg_stat_activity` unless the string names one.
    public var applicationName: String
    /// Seconds libpq waits for a connection unless the string sets `connect_timeout`.
    public var connectTimeout: Int
    /// Texts that must never appear in an error or a log line (passwords from the string or `PGPASSWORD`).
    let secrets: [String]
    /// host / port / dbname / user as libpq will use them (string, then `PG*` variables, then defaults).
    private let target: [String: String]

    /// Validates `connectionString` with `PQconninfoParse`. An empty string means "use the `PG*`
    /// variables". `variable` names the setting in the error (`DATABASE_URL`).
    public init(connectionString: String, variable: String = "DATABASE_URL", applicationName: String = "tenant-provisioner", connectTimeout: Int = 10) throws(ConfigError) {
        let textualSecrets = ConnectionStringRedaction.secrets(in: connectionString)
        let redacted = ConnectionStringRedaction.redact(connectionString)
        var environmentSecrets: [String] = []
        if let pgPassword = getenv("PGPASSWORD").map({ String(cString: $0) }), !pgPassword.isEmpty { environmentSecrets.append(pgPassword) }

        let parsed: [String: String]
        switch ConnectionOptions.parse(connectionString) {
        case .success(let options):
            parsed = options
        case .failure(let libpqMessage):
            let problem = ConnectionStringRedaction.scrub(libpqMessage, secrets: textualSecrets + environmentSecrets)
            throw ConfigError(
                name: variable, value: redacted,
                problem: "\(problem); expected a libpq URI such as postgresql://user:password@host:5432/dbname or key=value pairs such as \"host=db port=5432 dbname=app user=app\"")
        }
        if let problem = ConnectionOptions.unusableValue(in: parsed) {
            throw ConfigError(name: variable, value: redacted, problem: problem)
        }
        let parsedSecrets = ConnectionOptions.secretKeywords.compactMap { parsed[$0] }
        self.unredactedConnectionString = connectionString
        self.redactedConnectionString = redacted
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
        self.secrets = Array(Set(textualSecrets + parsedSecrets + environmentSecrets)).filter { !$0.isEmpty }
        let defaults = ConnectionOptions.defaults()
        var target: [String: String] = [:]
        for key in ["host", "hostaddr", "port", "dbname", "user"] {
            if let value = parsed[key] ?? defaults[key] { target[key] = value }
        }
        self.target = target
    }

    /// `DATABASE_URL` when set, else libpq's `PG*` variables (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, ...).
    public static func fromEnvironment(_ environment: Environment, variable: String = "DATABASE_URL", applicationName: String = "tenant-provisioner") throws(ConfigError) -> PostgresConfig {
        try PostgresConfig(connectionString: environment.string(variable) ?? "", variable: variable, applicationName: applicationName)
    }

    /// The same server and credentials, another database (as a key=value string).
    public func replacingDatabase(_ name: String) -> PostgresConfig {
        var options: [String: String] = [:]
        if case .success(let parsed) = ConnectionOptions.parse(unredactedConnectionString) { options = parsed }
        options["dbname"] = name
        let text = options.keys.sorted().map { "\($0)=\(ConnectionOptions.quote(options[$0]!))" }.joined(separator: " ")
        // Valid by construction: every keyword came from PQconninfoParse.
        return try! PostgresConfig(connectionString: text, applicationName: applicationName, connectTimeout: connectTimeout)
    }

    /// `user@host:port/dbname` as libpq will resolve it; no password.
    public var description: String {
        let host = target["host"] ?? target["hostaddr"] ?? "localhost"
        let port = target["port"] ?? "5432"
        let user = target["user"].map { "\($0)@" } ?? ""
        let database = target["dbname"] ?? target["user"] ?? ""
        return "\(user)\(host):\(port)/\(database)"
    }

    func scrub(_ message: String) -> String {
        ConnectionStringRedaction.scrub(message, secrets: secrets)
    }
}

/// Thin Swift access to libpq's connection-option parser.
enum ConnectionOptions {
    enum Parsed {
        case success([String: String])
        case failure(String)
    }

    static let secretKeywords = ["password", "sslpassword"]

    /// libpq parses any text for these options and only refuses it when connecting, so a
    /// connection string that can never work would otherwise be retried for ever. nil when
    /// every one of them is usable; else what is wrong and what is allowed.
    static func unusableValue(in options: [String: String]) -> String? {
        if let ports = options["port"] {
            // One port, or one per host in a multi-host string; an empty entry means the default.
            for port in ports.split(separator: ",", omittingEmptySubsequences: false) where !port.isEmpty {
                guard let number = Int(port), (1...65535).contains(number) else {
                    return "port \(JSONText.quote(String(port))) is not a port number; allowed: an integer from 1 to 65535 (a comma-separated list with several hosts)"
                }
            }
        }
        if let timeout = options["connect_timeout"], !timeout.isEmpty, Int(timeout) == nil {
            return "connect_timeout \(JSONText.quote(timeout)) is not a number of seconds; allowed: an integer such as 10"
        }
        let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
        if let mode = options["sslmode"], !mode.isEmpty, !sslModes.contains(mode) {
            return "sslmode \(JSONText.quote(mode)) is not known; allowed: \(sslModes.joined(separator: ", "))"
        }
        let sessionAttributes = ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"]
        if let attributes = options["target_session_attrs"], !attributes.isEmpty, !sessionAttributes.contains(attributes) {
            return "target_session_attrs \(JSONText.quote(attributes)) is not known; allowed: \(sessionAttributes.joined(separator: ", "))"
        }
        return nil
    }

    static func parse(_ connectionString: String) -> Parsed {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            defer { if let errorMessage { PQfreemem(errorMessage) } }
            let message = errorMessage.map { String(cString: $0) } ?? "cannot parse the connection string"
            return .failure(message.trimmingTrailingNewlines())
        }
        defer { PQconninfoFree(options) }
        return .success(values(options))
    }

    /// libpq's defaults, including what the `PG*` environment variables set.
    static func defaults() -> [String: String] {
        guard let options = PQconndefaults() else { return [:] }
        defer { PQconninfoFree(options) }
        return values(options)
    }

    private static func values(_ options: UnsafeMutablePointer<PQconninfoOption>) -> [String: String] {
        var result: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                result[String(cString: keyword)] = String(cString: value)
            }
            option += 1
        }
        return result
    }

    /// A key=value value in single quotes, backslash-escaping quotes and backslashes.
    static func quote(_ value: String) -> String {
        var out = "'"
        for c in value {
            if c == "'" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "'"
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while let last = s.last, last.isNewline || last == " " { s.removeLast() }
        return String(s)
    }
}

import Common
import Postgres

/// The configuration of `tenants serve`, read and checked once at start.
/// Every variable, its default and meaning: `ConfigurationTable` (Common), the one table.
public struct AdminSettings: Sendable {
    public var port: Int
    public var grants: [TokenGrant]
    public var database: PostgresConfig
    public var logLevel: LogLevel
    public var logFormat: LogFormat

    public static func load(_ env: Environment) throws(ConfigError) -> AdminSettings {
        // 0: the system picks a free port (logged as `port=` in "serving the admin API").
        let port = try env.integer("ADMIN_PORT", default: 8081, range: 0...65535)
        var grants: [TokenGrant] = []
        // Each variable is read by name right here (the README's table is checked against these reads).
        let writer = try tokenSource(token: env.string("ADMIN_TOKEN"), file: env.string("ADMIN_TOKEN_FILE"),
                                     names: ("ADMIN_TOKEN", "ADMIN_TOKEN_FILE"), required: true)!
        let writerName = try checkedName(env.string("ADMIN_TOKEN_NAME", default: "admin"), variable: "ADMIN_TOKEN_NAME")
        grants.append(TokenGrant(source: writer, caller: Caller(name: writerName, canWrite: true)))
        if let reader = try tokenSource(token: env.string("ADMIN_READONLY_TOKEN"), file: env.string("ADMIN_READONLY_TOKEN_FILE"),
                                        names: ("ADMIN_READONLY_TOKEN", "ADMIN_READONLY_TOKEN_FILE"), required: false) {
            if reader == writer {
                throw ConfigError(name: "ADMIN_READONLY_TOKEN", value: nil, problem: "must differ from ADMIN_TOKEN (the value is not shown)")
            }
            let readerName = try checkedName(env.string("ADMIN_READONLY_TOKEN_NAME", default: "readonly"), variable: "ADMIN_READONLY_TOKEN_NAME")
            grants.append(TokenGrant(source: reader, caller: Caller(name: readerName, canWrite: false)))
        }
        let database = try PostgresConfig(connectionString: env.string("DATABASE_URL") ?? "", applicationName: "tenants")
        return AdminSettings(port: port, grants: grants, database: database,
                             logLevel: try env.choice("LOG_LEVEL", default: LogLevel.info),
                             logFormat: try env.choice("LOG_FORMAT", default: LogFormat.text))
    }

    private static func tokenSource(token: String?, file path: String?, names: (value: String, file: String),
                                    required: Bool) throws(ConfigError) -> TokenSource? {
        let (value, file) = names
        switch (token, path) {
        case (nil, nil):
            guard !required else {
                throw ConfigError(name: value, value: nil, problem: "is required: set \(value) to a bearer token, or \(file) to a file holding one")
            }
            return nil
        case (_?, _?):
            throw ConfigError(name: file, value: nil, problem: "set either \(value) or \(file), not both")
        case (let token?, nil):
            guard token.count >= 16 else {
                throw ConfigError(name: value, value: nil, problem: "must be at least 16 characters (the value is not shown)")
            }
            return .value(token)
        case (nil, let path?):
            return .file(path)
        }
    }

    private static func checkedName(_ name: String, variable: String) throws(ConfigError) -> String {
        guard name.count <= 100, !name.contains(where: { $0.isNewline }) else {
            throw ConfigError(name: variable, value: name, problem: "must be one line of at most 100 characters")
        }
        return name
    }
}

import Common

/// One row of the `accounts` table, as much of it as the provisioner needs.
public struct Account: Sendable, Equatable {
    public var id: String
    public var isActive: Bool
    /// Bumped by a database trigger on every change an admin makes; part of the spec hash.
    public var generation: Int64
    /// The display name and a config other than `{}`, boxed: nil for the many accounts without
    /// either (the provisioner keeps one row per account; 32 bytes less each, docs/benchmark.md).
    private var details: Details?

    /// Immutable, so copies share it; a change builds a new one.
    private final class Details: Sendable, Equatable {
        let displayName: String?
        let config: JSONValue

        init(displayName: String?, config: JSONValue) {
            self.displayName = displayName
            self.config = config
        }

        static func make(displayName: String?, config: JSONValue) -> Details? {
            displayName == nil && config == Account.emptyConfig ? nil : Details(displayName: displayName, config: config)
        }

        static func == (a: Details, b: Details) -> Bool { a.displayName == b.displayName && a.config == b.config }
    }

    static let emptyConfig = JSONValue.object([:])

    public init(id: String, isActive: Bool = true, displayName: String? = nil, config: JSONValue = .object([:]), generation: Int64 = 1) {
        self.id = id
        self.isActive = isActive
        self.generation = generation
        self.details = Details.make(displayName: displayName, config: config)
    }

    public var displayName: String? {
        get { details?.displayName }
        set { details = Details.make(displayName: newValue, config: config) }
    }

    /// The `config` jsonb column. Normally an object; anything else only breaks `{{ config.KEY }}`
    /// lookups and `config.env`, which are reported per account.
    public var config: JSONValue {
        get { details?.config ?? Self.emptyConfig }
        set { details = Details.make(displayName: displayName, config: newValue) }
    }

    /// `config.env`: environment variables added to every container and init container.
    /// A missing or null `env` (or a null `config`) means none. Anything that is not an object of
    /// string → string is a per-account problem (the account is skipped with this message).
    public func configEnvironment() throws(RenderError) -> [String: String] {
        guard case .object(let config) = config else {
            if config == .null { return [:] }
            throw RenderError(accountID: id, problem: "config must be a JSON object, found \(config.kindName)")
        }
        guard let env = config["env"], env != .null else { return [:] }
        guard case .object(let entries) = env else {
            throw RenderError(accountID: id, problem: "config.env must be an object of string to string, found \(env.kindName)")
        }
        var out: [String: String] = [:]
        for name in entries.keys.sorted() {
            guard case .string(let value) = entries[name]! else {
                throw RenderError(accountID: id, problem: "config.env.\(name) must be a string, found \(entries[name]!.kindName); quote numbers and booleans")
            }
            guard EnvironmentVariableName.isValid(name) else {
                throw RenderError(accountID: id, problem: "config.env key \(JSONText.quote(name)) is not a valid environment variable name: \(EnvironmentVariableName.rule)")
            }
            out[name] = value
        }
        return out
    }
}

/// What kube-apiserver v1.31 accepts as an environment variable name: `[-._a-zA-Z][-._a-zA-Z0-9]*`
/// (the relaxed rule, RelaxedEnvironmentVariableValidation, is an alpha feature gate in 1.31,
/// off by default). The same rule is the `accounts` table's CHECK on `config.env` keys.
enum EnvironmentVariableName {
    static let rule = "[-._a-zA-Z][-._a-zA-Z0-9]* (letters, digits, '-', '.' and '_', not starting with a digit)"

    static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, !isDigit(first) else { return false }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") }
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }
    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}

extension JSONValue {
    /// The JSON type's name, for error messages.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

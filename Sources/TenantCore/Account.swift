import Common

/// One row of the `accounts` table, as much of it as the provisioner needs.
public struct Account: Sendable, Equatable {
    public var id: String
    public var isActive: Bool
    public var displayName: String?
    /// The `config` jsonb column. Normally an object; anything else only breaks `{{ config.KEY }}`
    /// lookups and `config.env`, which are reported per account.
    public var config: JSONValue
    /// Bumped by a database trigger on every change an admin makes; part of the spec hash.
    public var generation: Int64

    public init(id: String, isActive: Bool = true, displayName: String? = nil, config: JSONValue = .object([:]), generation: Int64 = 1) {
        self.id = id
        self.isActive = isActive
        self.displayName = displayName
        self.config = config
        self.generation = generation
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

/// What Kubernetes accepts as an environment variable name. Since Kubernetes 1.30 any printable
/// ASCII except `=` is allowed (RelaxedEnvironmentVariableValidation), which is what we check;
/// an older API server may still refuse names that are not C identifiers, and says so at create.
enum EnvironmentVariableName {
    static let rule = "printable ASCII characters except '=', not empty"

    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "=") }
    }
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

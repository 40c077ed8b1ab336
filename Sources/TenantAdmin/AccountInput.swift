import Common

/// A new account as an admin sends it, checked by the same rules as the table's constraints
/// (so a bad value is a field message, not a database error).
public struct NewAccount: Sendable, Equatable {
    public var accountID: String
    public var displayName: String?
    public var isActive: Bool
    public var config: JSONValue

    public init(accountID: String, displayName: String? = nil, isActive: Bool = true, config: JSONValue = .object([:])) {
        self.accountID = accountID
        self.displayName = displayName
        self.isActive = isActive
        self.config = config
    }
}

/// The fields a PATCH changes; nil leaves a field as it is (`displayName: .some(nil)` clears it).
public struct AccountChanges: Sendable, Equatable {
    public var isActive: Bool?
    public var displayName: String??
    public var config: JSONValue?

    public init(isActive: Bool? = nil, displayName: String?? = nil, config: JSONValue? = nil) {
        self.isActive = isActive
        self.displayName = displayName
        self.config = config
    }

    public var isEmpty: Bool { isActive == nil && displayName == nil && config == nil }

    /// The names of the fields set, for the audit row.
    public var fieldNames: [String] {
        var names: [String] = []
        if isActive != nil { names.append("is_active") }
        if displayName != nil { names.append("display_name") }
        if config != nil { names.append("config") }
        return names
    }
}

/// The rules of `accounts` (migrations 0001 and 0005), applied before any SQL.
public enum AccountRules {
    public static let maxIDLength = 253
    public static let maxDisplayNameLength = 1024

    public static func checkID(_ id: String, field: String = "account_id", into errors: inout FieldErrors) {
        // Code points, as PostgreSQL's char_length counts them (not Swift's grapheme clusters).
        let length = id.unicodeScalars.count
        if length == 0 || length > maxIDLength {
            errors.add(field, "must be 1 to \(maxIDLength) characters (got \(length))")
        } else if id.unicodeScalars.contains(where: { $0.value == 0 }) {
            errors.add(field, "must not contain a NUL character")
        }
    }

    /// A free-text filter (`/audit?action=`): anything PostgreSQL text can hold, i.e. no NUL.
    public static func checkFilter(_ value: String, field: String, into errors: inout FieldErrors) {
        if value.unicodeScalars.contains(where: { $0.value == 0 }) {
            errors.add(field, "must not contain a NUL character")
        }
    }

    public static func checkDisplayName(_ name: String, into errors: inout FieldErrors) {
        if name.unicodeScalars.count > maxDisplayNameLength {
            errors.add("display_name", "must be at most \(maxDisplayNameLength) characters")
        } else if name.unicodeScalars.contains(where: { $0.value == 0 }) {
            errors.add("display_name", "must not contain a NUL character")
        }
    }

    /// `config` is an object; `config.env`, when present, maps environment variable names
    /// (`[-._a-zA-Z][-._a-zA-Z0-9]*`, what kube-apiserver accepts) to strings.
    public static func checkConfig(_ config: JSONValue, into errors: inout FieldErrors) {
        guard let object = config.objectValue else {
            errors.add("config", "must be a JSON object")
            return
        }
        if containsNUL(config) { errors.add("config", "must not contain a NUL character (PostgreSQL's jsonb cannot store one)") }
        guard let env = object["env"] else { return }
        guard let variables = env.objectValue else {
            errors.add("config.env", "must be an object of environment variable names to strings")
            return
        }
        for (name, value) in variables {
            if !isEnvironmentName(name) {
                errors.add("config.env.\(name)", "is not a valid environment variable name: use letters, digits, '_', '-' and '.', not starting with a digit")
            } else if value.stringValue == nil {
                errors.add("config.env.\(name)", "must be a string")
            }
        }
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func allowed(_ c: Unicode.Scalar, first: Bool) -> Bool {
            switch c {
            case "a"..."z", "A"..."Z", "-", ".", "_": true
            case "0"..."9": !first
            default: false
            }
        }
        return allowed(first, first: true) && name.unicodeScalars.dropFirst().allSatisfy { allowed($0, first: false) }
    }

    static func containsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let s): s.unicodeScalars.contains { $0.value == 0 }
        case .array(let a): a.contains(where: containsNUL)
        case .object(let o): o.contains { $0.key.unicodeScalars.contains { $0.value == 0 } || containsNUL($0.value) }
        default: false
        }
    }

    /// A create request body: `account_id` (required), `display_name`, `is_active`, `config`.
    public static func newAccount(from body: JSONValue) -> Result<NewAccount, FieldErrors> {
        var errors = FieldErrors()
        guard let object = body.objectValue else { return .failure(FieldErrors(["body": "must be a JSON object"])) }
        for key in object.keys where !["account_id", "display_name", "is_active", "config"].contains(key) {
            errors.add(key, "is not a field of an account (allowed: account_id, display_name, is_active, config)")
        }
        var account = NewAccount(accountID: "")
        switch object["account_id"] {
        case .string(let id)?:
            account.accountID = id
            checkID(id, into: &errors)
        case nil: errors.add("account_id", "is required")
        default: errors.add("account_id", "must be a string")
        }
        readCommon(object, displayName: { account.displayName = $0 }, isActive: { account.isActive = $0 },
                   config: { account.config = $0 }, errors: &errors)
        return errors.isEmpty ? .success(account) : .failure(errors)
    }

    /// A PATCH body: any of `display_name` (string or null), `is_active`, `config`; at least one.
    public static func changes(from body: JSONValue) -> Result<AccountChanges, FieldErrors> {
        var errors = FieldErrors()
        guard let object = body.objectValue else { return .failure(FieldErrors(["body": "must be a JSON object"])) }
        for key in object.keys where !["display_name", "is_active", "config"].contains(key) {
            errors.add(key, key == "account_id" ? "cannot be changed (delete the account and add a new one)"
                                                : "is not a field that can be changed (allowed: display_name, is_active, config)")
        }
        var changes = AccountChanges()
        readCommon(object, displayName: { changes.displayName = .some($0) }, isActive: { changes.isActive = $0 },
                   config: { changes.config = $0 }, errors: &errors)
        if errors.isEmpty && changes.isEmpty { errors.add("body", "names no field to change (display_name, is_active, config)") }
        return errors.isEmpty ? .success(changes) : .failure(errors)
    }

    private static func readCommon(_ object: [String: JSONValue], displayName: (String?) -> Void, isActive: (Bool) -> Void,
                                   config: (JSONValue) -> Void, errors: inout FieldErrors) {
        switch object["display_name"] {
        case nil: break
        case .null?: displayName(nil)
        case .string(let name)?:
            checkDisplayName(name, into: &errors)
            displayName(name)
        default: errors.add("display_name", "must be a string or null")
        }
        switch object["is_active"] {
        case nil: break
        case .bool(let active)?: isActive(active)
        default: errors.add("is_active", "must be true or false")
        }
        if let value = object["config"] {
            checkConfig(value, into: &errors)
            config(value)
        }
    }
}

/// A bad configuration value. Executables print `description` and exit with code 2.
/// `value` is nil when the value is a secret or when the variable is missing.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public let name: String
    public let value: String?
    public let problem: String

    public init(name: String, value: String?, problem: String) {
        self.name = name
        self.value = value
        self.problem = problem
    }

    public var description: String {
        if let value {
            return "\(name)=\(JSONText.quote(value)) is invalid: \(problem)"
        }
        return "\(name) is invalid: \(problem)"
    }
}

/// Process exit codes of all three executables (SPEC: 0 success, 1 runtime failure, 2 bad usage or configuration).
public enum ExitCode: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
}

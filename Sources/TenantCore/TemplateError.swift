import Common

/// The Job template file cannot be used: invalid YAML, not a batch/v1 Job, an unknown placeholder.
/// A startup error (exit 2) naming the file, the line and the problem.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// 1-based; nil when the problem has no single line (an unreadable or empty file).
    public let line: Int?
    public let problem: String

    public init(file: String, line: Int?, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String {
        if let line { return "job template \(file), line \(line): \(problem)" }
        return "job template \(file): \(problem)"
    }

    /// The same problem as a configuration error of `JOB_TEMPLATE`, for the exit-2 path.
    public var configError: ConfigError {
        ConfigError(name: "JOB_TEMPLATE", value: file, problem: line.map { "line \($0): \(problem)" } ?? problem)
    }
}

/// One account's Job cannot be rendered (a `{{ config.KEY }}` its config lacks, a bad
/// `config.env`, a config that is not an object). Only that account is skipped; the message
/// goes to `account_status.message`.
public struct RenderError: Error, Sendable, Equatable, CustomStringConvertible {
    public let accountID: String
    public let problem: String

    public init(accountID: String, problem: String) {
        self.accountID = accountID
        self.problem = problem
    }

    public var description: String { "account \(JSONText.quote(accountID)): \(problem)" }
}

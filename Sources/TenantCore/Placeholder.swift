import Common
import FoundationEssentials

/// A `{{ … }}` placeholder of the Job template (SPEC "Kubernetes objects").
public enum Placeholder: Sendable, Hashable, CustomStringConvertible {
    case accountID
    case accountSlug
    case jobName
    case displayName
    case namespace
    /// `{{ config.a.b }}`: the path of keys into the account's `config` object.
    case config([String])

    public static let allowed = "{{ account_id }}, {{ account_slug }}, {{ job_name }}, {{ display_name }}, {{ namespace }}, {{ config.KEY }} (KEY: keys of letters, digits, '_' and '-' separated by '.', e.g. config.limits.memory)"

    /// Reads the text between the braces, spaces around it already removed.
    init?(name: String) {
        switch name {
        case "account_id": self = .accountID
        case "account_slug": self = .accountSlug
        case "job_name": self = .jobName
        case "display_name": self = .displayName
        case "namespace": self = .namespace
        default:
            guard name.hasPrefix("config.") else { return nil }
            let keys = name.dropFirst("config.".count).split(separator: ".", omittingEmptySubsequences: false)
            let keyCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
            guard keys.allSatisfy({ !$0.isEmpty && $0.allSatisfy(keyCharacters.contains) }) else { return nil }
            self = .config(keys.map(String.init))
        }
    }

    public var description: String {
        switch self {
        case .accountID: "{{ account_id }}"
        case .accountSlug: "{{ account_slug }}"
        case .jobName: "{{ job_name }}"
        case .displayName: "{{ display_name }}"
        case .namespace: "{{ namespace }}"
        case .config(let keys): "{{ config.\(keys.joined(separator: ".")) }}"
        }
    }
}

/// A piece of a templated string: literal text or a placeholder with the template line it is on.
enum TextSegment: Sendable, Equatable {
    case literal(String)
    case placeholder(Placeholder, line: Int)
}

/// Splits a YAML string value into literal text and placeholders.
///
/// `{{{{` stands for a literal `{{` (for values that must contain one, such as a Go template in a
/// command argument); any other `{{` must open a known placeholder closed by `}}`.
enum PlaceholderScanner {
    struct Problem: Error {
        let line: Int
        let message: String
    }

    /// nil when the text holds no placeholder (and no escape), so it stays a plain literal.
    /// `line` is where the text starts; `countsNewlines` says whether each newline in the value is
    /// a line of the file (true for literal block scalars).
    static func segments(of text: String, line: Int, countsNewlines: Bool) throws(Problem) -> [TextSegment]? {
        guard text.contains("{{") else { return nil }
        var segments: [TextSegment] = []
        var literal = ""
        var currentLine = line
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            let before = rest[rest.startIndex..<open.lowerBound]
            literal += before
            if countsNewlines { currentLine += before.count(where: { $0 == "\n" }) }
            if rest[open.lowerBound...].hasPrefix("{{{{") {
                literal += "{{"
                rest = rest[rest.index(open.lowerBound, offsetBy: 4)...]
                continue
            }
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                throw Problem(line: currentLine, message: "\(JSONText.quote(String(rest[open.lowerBound...].prefix(40)))) opens a placeholder with '{{' but never closes it with '}}'; write '{{{{' for a literal '{{'")
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingSpaces()
            guard let placeholder = Placeholder(name: inner) else {
                throw Problem(line: currentLine, message: "unknown placeholder \(JSONText.quote("{{" + rest[open.upperBound..<close.lowerBound] + "}}")); allowed: \(Placeholder.allowed); write '{{{{' for a literal '{{'")
            }
            if !literal.isEmpty { segments.append(.literal(literal)) }
            literal = ""
            segments.append(.placeholder(placeholder, line: currentLine))
            rest = rest[close.upperBound...]
        }
        literal += rest
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return segments
    }
}

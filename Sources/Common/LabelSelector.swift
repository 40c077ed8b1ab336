import FoundationEssentials

/// The label selector syntax the API server accepts (`k8s.io/apimachinery/pkg/labels`): terms
/// separated by commas, each `key`, `!key`, `key=value`, `key==value`, `key!=value`,
/// `key in (v1,v2)` or `key notin (v1,v2)`.
public enum LabelSelector {
    /// nil when `selector` is valid; else what is wrong with it.
    public static func problem(in selector: String) -> String? {
        let text = selector.trimmingSpaces()
        guard !text.isEmpty else { return "it is empty" }
        for term in terms(text) {
            let t = term.trimmingSpaces()
            if let problem = problem(term: t) { return "\(JSONText.quote(t)): \(problem)" }
        }
        return nil
    }

    /// Splits at commas outside parentheses.
    private static func terms(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if c == ",", depth == 0 {
                out.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        out.append(current)
        return out
    }

    private static func problem(term: String) -> String? {
        guard !term.isEmpty else { return "an empty term (two commas in a row?)" }
        if term.hasPrefix("!") { return key(String(term.dropFirst()).trimmingSpaces()) }
        for op in ["!=", "==", "="] {
            if let range = term.firstRange(of: op) {
                let k = term[..<range.lowerBound].trimmingSpaces()
                let v = term[range.upperBound...].trimmingSpaces()
                return key(k) ?? (LabelValue.isValid(v) ? nil : "\(JSONText.quote(v)) is not a label value (at most 63 of [A-Za-z0-9._-], alphanumeric at both ends)")
            }
        }
        let words = term.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
        if words.count == 3, words[1] == "in" || words[1] == "notin" {
            let set = words[2].trimmingSpaces()
            guard set.hasPrefix("("), set.hasSuffix(")") else { return "the values of \(words[1]) go in parentheses: key \(words[1]) (a,b)" }
            let values = set.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
            if let bad = values.first(where: { !LabelValue.isValid($0) }) { return "\(JSONText.quote(bad)) is not a label value" }
            return key(words[0])
        }
        return key(term)
    }

    private static func key(_ k: String) -> String? {
        LabelKey.isValid(k) ? nil : "\(JSONText.quote(k)) is not a label key (an optional DNS prefix and '/', then at most 63 of [A-Za-z0-9._-])"
    }
}

import FoundationEssentials

/// Finds and hides passwords in connection strings, including malformed ones that libpq cannot
/// parse (those are exactly the strings that end up in error messages).
enum ConnectionStringRedaction {
    static let mask = "***"

    /// The connection string with every password replaced by `***`.
    static func redact(_ connectionString: String) -> String {
        var text = connectionString
        for range in secretRanges(in: text).reversed() {
            text.replaceSubrange(range, with: mask)
        }
        return text
    }

    /// The password texts written in a connection string, as written (percent-encoded or quoted
    /// forms included), so they can also be scrubbed from libpq's messages about that string.
    static func secrets(in connectionString: String) -> [String] {
        secretRanges(in: connectionString).map { String(connectionString[$0]) }.filter { !$0.isEmpty }
    }

    /// Replaces every occurrence of each secret in `message` by `***`.
    static func scrub(_ message: String, secrets: [String]) -> String {
        var text = message
        for secret in secrets.sorted(by: { $0.count > $1.count }) where !secret.isEmpty {
            text = text.replacingAll(secret, with: mask)
        }
        return text
    }

    private static func secretRanges(in text: String) -> [Range<String.Index>] {
        let lower = text.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") {
            return uriSecretRanges(in: text)
        }
        return keywordValueSecretRanges(in: text)
    }

    /// `postgresql://user:PASSWORD@host/db?password=PASSWORD&...`. Over-redacting a malformed
    /// string is fine; missing a password is not, so user info ends at the last `@`.
    private static func uriSecretRanges(in text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        guard let schemeEnd = text.firstRange(of: "://")?.upperBound else { return [] }
        if let at = text[schemeEnd...].lastIndex(of: "@"), let colon = text[schemeEnd..<at].firstIndex(of: ":") {
            ranges.append(text.index(after: colon)..<at)
        }
        if let query = text[schemeEnd...].firstIndex(of: "?") {
            var start = text.index(after: query)
            while start < text.endIndex {
                let end = text[start...].firstIndex(of: "&") ?? text.endIndex
                let pair = text[start..<end]
                if let eq = pair.firstIndex(of: "="), isPasswordKeyword(pair[pair.startIndex..<eq]) {
                    let valueStart = text.index(after: eq)
                    if !ranges.contains(where: { $0.overlaps(valueStart..<end) }) { ranges.append(valueStart..<end) }
                }
                start = end < text.endIndex ? text.index(after: end) : end
            }
        }
        return ranges.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// `host=h password=PASSWORD` or `password = 'PASS WORD'` (single quotes, backslash escapes).
    private static func keywordValueSecretRanges(in text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var i = text.startIndex
        while i < text.endIndex {
            while i < text.endIndex, text[i].isWhitespace { i = text.index(after: i) }
            let keyStart = i
            while i < text.endIndex, text[i] != "=", !text[i].isWhitespace { i = text.index(after: i) }
            let keyword = text[keyStart..<i]
            while i < text.endIndex, text[i].isWhitespace { i = text.index(after: i) }
            guard i < text.endIndex, text[i] == "=" else {
                if i == keyStart, i < text.endIndex { i = text.index(after: i) }
                continue
            }
            i = text.index(after: i)
            while i < text.endIndex, text[i].isWhitespace { i = text.index(after: i) }
            let valueStart = i
            if i < text.endIndex, text[i] == "'" {
                i = text.index(after: i)
                while i < text.endIndex, text[i] != "'" {
                    if text[i] == "\\" { i = text.index(after: i); if i == text.endIndex { break } }
                    i = text.index(after: i)
                }
                if i < text.endIndex { i = text.index(after: i) }
            } else {
                while i < text.endIndex, !text[i].isWhitespace { i = text.index(after: i) }
            }
            if isPasswordKeyword(keyword), valueStart < i { ranges.append(valueStart..<i) }
        }
        return ranges
    }

    /// `password` and `sslpassword`, the options libpq marks as secret.
    private static func isPasswordKeyword(_ keyword: Substring) -> Bool {
        keyword.lowercased().hasSuffix("password")
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[rest.startIndex..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}

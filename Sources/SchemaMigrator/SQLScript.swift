/// One statement of a migration file and the line it starts on.
public struct SQLStatement: Sendable, Equatable {
    /// The statement from its first keyword to its `;` (comments before it left out).
    public let text: String
    /// 1-based line of the file where the statement starts.
    public let line: Int

    public init(text: String, line: Int) {
        self.text = text
        self.line = line
    }

    /// The file line of a 1-based character `position` inside `text` (PostgreSQL's error position).
    public func fileLine(ofPosition position: Int?) -> Int {
        guard let position, position > 1 else { return line }
        var newlines = 0
        for scalar in text.unicodeScalars.prefix(position - 1) where scalar == "\n" { newlines += 1 }
        return line + newlines
    }

    /// The leading keyword, uppercased (`CREATE`, `COMMIT`, ...).
    var firstKeyword: String {
        String(text.unicodeScalars.prefix { $0.properties.isAlphabetic || $0 == "_" }).uppercased()
    }
}

/// Splits a SQL file into statements at top-level semicolons, skipping those inside quotes
/// ('...', E'...', "..."), dollar quotes ($$...$$, $tag$...$tag$), comments (-- and nested /* */)
/// and SQL-standard function bodies (BEGIN ATOMIC ... END). Running statements one by one is
/// what lets a failure be reported with the line of the statement that failed.
public enum SQLScript {
    public static func statements(in sql: String) -> [SQLStatement] {
        let s = Array(sql.unicodeScalars)
        var statements: [SQLStatement] = []
        var i = 0
        var line = 1
        var start: Int?  // index of the current statement's first significant character
        var startLine = 1
        var atomicDepth = 0  // inside BEGIN ATOMIC ... END, where ';' does not end the statement
        var previousWord = ""

        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func isWordScalar(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c.properties.numericType != nil || c == "_" }
        func advance() {
            if s[i] == "\n" { line += 1 }
            i += 1
        }
        func begin() {
            if start == nil { start = i; startLine = line }
        }
        func finish(through end: Int) {
            if let first = start {
                var text = String.UnicodeScalarView()
                text.append(contentsOf: s[first..<end])
                statements.append(SQLStatement(text: String(text), line: startLine))
            }
            start = nil
            atomicDepth = 0
            previousWord = ""
        }

        while i < s.count {
            let c = s[i]
            if c == "-", at(i + 1) == "-" {
                while i < s.count, s[i] != "\n" { advance() }
            } else if c == "/", at(i + 1) == "*" {
                var depth = 0
                repeat {
                    if s[i] == "/", at(i + 1) == "*" { depth += 1; advance(); advance() }
                    else if s[i] == "*", at(i + 1) == "/" { depth -= 1; advance(); advance() }
                    else { advance() }
                } while i < s.count && depth > 0
            } else if c == "'" {
                begin()
                let backslashEscapes = i > 0 && (s[i - 1] == "E" || s[i - 1] == "e") && (i < 2 || !isWordScalar(s[i - 2]))
                advance()
                while i < s.count {
                    if backslashEscapes, s[i] == "\\" { advance(); if i < s.count { advance() }; continue }
                    if s[i] == "'" {
                        if at(i + 1) == "'" { advance(); advance(); continue }
                        advance()
                        break
                    }
                    advance()
                }
                previousWord = ""
            } else if c == "\"" {
                begin()
                advance()
                while i < s.count {
                    if s[i] == "\"" {
                        if at(i + 1) == "\"" { advance(); advance(); continue }
                        advance()
                        break
                    }
                    advance()
                }
                previousWord = ""
            } else if c == "$", let tag = dollarTag(s, i) {
                begin()
                for _ in 0..<tag.count { advance() }
                while i < s.count, !matches(s, i, tag) { advance() }
                for _ in 0..<tag.count where i < s.count { advance() }
                previousWord = ""
            } else if c == ";" && atomicDepth == 0 {
                if start != nil { finish(through: i + 1) }
                advance()
            } else if isWordScalar(c) {
                begin()
                let wordStart = i
                while i < s.count, isWordScalar(s[i]) || s[i] == "$" { advance() }
                var scalars = String.UnicodeScalarView()
                scalars.append(contentsOf: s[wordStart..<i])
                let word = String(scalars).uppercased()
                if word == "ATOMIC" && previousWord == "BEGIN" {
                    atomicDepth += 1
                } else if atomicDepth > 0 && word == "CASE" {
                    atomicDepth += 1
                } else if atomicDepth > 0 && word == "END" {
                    atomicDepth -= 1
                }
                previousWord = word
            } else {
                if !c.properties.isWhitespace { begin(); previousWord = "" }
                advance()
            }
        }
        finish(through: s.count)
        return statements
    }

    /// `$tag$` starting at `i` (tag: letters, digits, underscores, not starting with a digit), or nil for `$1`.
    private static func dollarTag(_ s: [Unicode.Scalar], _ i: Int) -> [Unicode.Scalar]? {
        var j = i + 1
        while j < s.count, s[j] != "$" {
            let c = s[j]
            let allowed = c.properties.isAlphabetic || c == "_" || (j > i + 1 && c.properties.numericType != nil)
            guard allowed else { return nil }
            j += 1
        }
        guard j < s.count else { return nil }
        return Array(s[i...j])
    }

    private static func matches(_ s: [Unicode.Scalar], _ i: Int, _ tag: [Unicode.Scalar]) -> Bool {
        guard i + tag.count <= s.count else { return false }
        for k in 0..<tag.count where s[i + k] != tag[k] { return false }
        return true
    }
}

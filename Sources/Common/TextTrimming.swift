import Glibc

/// Trimming without Foundation (`trimmingCharacters(in:)` lives in full Foundation, which the
/// operator's binaries do not link; see docs/benchmark.md).
extension StringProtocol {
    /// Without leading and trailing spaces and tabs (Unicode white space other than line breaks).
    public func trimmingSpaces() -> String {
        trimming { $0.isWhitespace && !$0.isNewline }
    }

    /// Without leading and trailing white space, line breaks included.
    public func trimmingWhitespace() -> String {
        trimming(\.isWhitespace)
    }

    private func trimming(_ drop: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else { return "" }
        return String(self[first...last])
    }
}

/// Writes `text` to standard error with one `write(2)`, so concurrent lines never interleave.
public func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}

/// RFC 1123 label rules as Kubernetes applies them to Job names and label values.
/// https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
public enum DNSLabel {
    public static let maxLength = 63
    public static let rule = "at most 63 characters of lowercase letters, digits and '-', starting and ending with a letter or digit"

    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, bytes.count <= maxLength else { return false }
        guard isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}

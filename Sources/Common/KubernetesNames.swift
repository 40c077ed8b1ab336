/// Kubernetes name and label validation rules (apimachinery `validation.IsDNS1123Label`,
/// `IsDNS1123Subdomain`, `IsValidLabelValue`), shared by configuration checks and the core.
public enum DNSName {
    public static let maxLabelLength = 63
    public static let labelRule = "at most 63 characters of lowercase letters, digits and '-', starting and ending with a letter or digit"

    /// At most 63 characters of `[a-z0-9-]`, starting and ending with an alphanumeric: Job names,
    /// namespaces. https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
    public static func isLabel(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let first = u.first, let last = u.last, u.count <= maxLabelLength else { return false }
        guard isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return u.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// `[a-z0-9]`, as a UTF-8 byte.
    public static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    /// At most 253 characters of dot-separated DNS labels.
    public static func isSubdomain(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isLabel(String($0)) }
    }
}

public enum LabelValue {
    /// Empty, or at most 63 characters of `[A-Za-z0-9._-]` starting and ending with an alphanumeric.
    public static func isValid(_ s: String) -> Bool {
        let u = Array(s.utf8)
        if u.isEmpty { return true }
        guard u.count <= 63 else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) }
        guard alnum(u.first!), alnum(u.last!) else { return false }
        return u.allSatisfy { alnum($0) || $0 == 45 || $0 == 46 || $0 == 95 }
    }
}

/// Label keys: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters of
/// `[A-Za-z0-9._-]` starting and ending with an alphanumeric.
public enum LabelKey {
    public static func isValid(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return !s.isEmpty && LabelValue.isValid(s)
        case 2: return DNSName.isSubdomain(String(parts[0])) && !parts[1].isEmpty && LabelValue.isValid(String(parts[1]))
        default: return false
        }
    }
}

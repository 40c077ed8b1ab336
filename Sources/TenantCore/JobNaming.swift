import Common

/// Account id → Job name, exactly as SPEC "Job name" says.
///
/// Lowercasing is ASCII only (`A`–`Z` → `a`–`z`), and the id is read as Unicode scalars: every
/// other scalar, non-ASCII letters included (`É`, `é`, `ß`, the Kelvin sign), lies outside
/// `[a-z0-9]` and becomes part of a `-` run. Unicode case mapping would make names depend on the
/// Unicode tables of the Swift runtime (the Kelvin sign U+212A lowercases to ASCII `k`), and
/// grapheme clusters on its segmentation rules. Such ids never equal their slug, so they always
/// get the hash suffix, which keeps their names apart from every other id's.
public enum JobNaming {
    /// Hex characters of sha256(account id) in a hashed suffix.
    public static let hashLength = 8
    /// The longest prefix that leaves room for `-` and the hash.
    public static let maxPrefixLength = DNSName.maxLabelLength - 1 - hashLength

    /// The name of an account whose id is its own slug and fits (what `name` returns when its
    /// suffix is the id itself).
    static func plainName(prefix: String, accountID: String) -> String { prefix + "-" + accountID }

    /// The Job name `<prefix>-<suffix>` and the suffix (also `{{ account_slug }}` and the
    /// `tenant-provisioner/account` label). `prefix` must have passed `prefixProblem` for the
    /// same `maxLength` (63, or 52 for a CronJob: `WorkloadKind.maxNameLength`).
    public static func name(prefix: String, accountID: String, maxLength: Int = DNSName.maxLabelLength) -> (name: String, suffix: String) {
        let slug = slug(accountID)
        let available = maxLength - prefix.utf8.count - 1
        if slug == accountID && slug.utf8.count <= available {
            return (plainName(prefix: prefix, accountID: accountID), slug)
        }
        let hash = String(SHA256.hex(accountID.utf8).prefix(hashLength))
        // The slug is ASCII, so characters and bytes count alike.
        var cut = Substring(slug.prefix(max(0, available - 1 - hashLength)))
        while cut.last == "-" { cut.removeLast() }
        let suffix = cut.isEmpty ? hash : cut + "-" + hash
        return (prefix + "-" + suffix, suffix)
    }

    /// The account id with ASCII letters lowercased, every run of anything outside `[a-z0-9]`
    /// replaced by one `-`, and leading/trailing `-` trimmed. Pure ASCII by construction.
    public static func slug(_ accountID: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(accountID.utf8.count)
        var pendingDash = false
        for scalar in accountID.unicodeScalars {
            var byte: UInt8? = nil
            if scalar.isASCII {
                let b = UInt8(scalar.value)
                if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") {
                    byte = b + 32
                } else if DNSName.isAlphanumeric(b) {
                    byte = b
                }
            }
            guard let byte else {
                pendingDash = true
                continue
            }
            if pendingDash && !out.isEmpty { out.append(UInt8(ascii: "-")) }
            pendingDash = false
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A prefix is the template's `metadata.name`: a DNS-1123 label short enough to leave room
    /// for `-` and the hash. Returns what is wrong, or nil when the prefix is fine.
    public static func prefixProblem(_ prefix: String, maxLength: Int = DNSName.maxLabelLength) -> String? {
        let maxPrefixLength = maxLength - 1 - hashLength
        if prefix.isEmpty {
            return "metadata.name (the Job name prefix) is empty; set it to a short name such as \"tenant\""
        }
        if !DNSName.isLabel(prefix) {
            return "metadata.name \(JSONText.quote(prefix)) (the Job name prefix) is not a valid DNS-1123 label: \(DNSName.labelRule)"
        }
        if prefix.utf8.count > maxPrefixLength {
            return "metadata.name \(JSONText.quote(prefix)) (the Job name prefix) has \(prefix.utf8.count) characters; at most \(maxPrefixLength) leave room for '-' and the \(hashLength)-character account hash in a \(maxLength)-character name"
        }
        return nil
    }
}

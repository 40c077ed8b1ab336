/// A spec hash (64 lowercase hex digits of a SHA-256) held as its 32 bytes: what `PlanMemo` keeps
/// for every account. Inline, with no string buffer of its own (96 bytes a hash as a `String`,
/// 1 MB at 10,000 accounts; docs/benchmark.md).
public struct SpecDigest: Sendable, Hashable {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// nil unless `hex` is exactly 64 lowercase hex digits (the form `SpecHash` writes; an
    /// annotation in capitals was edited by hand and counts as different).
    public init?(hex: String) {
        // No array: this runs for every Job a full plan compares.
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var word: UInt64 = 0
        var digits = 0
        for byte in hex.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            guard digits < 64 else { return nil }
            word = word << 4 | UInt64(value)
            digits += 1
            switch digits {
            case 16: words.0 = word
            case 32: words.1 = word
            case 48: words.2 = word
            case 64: words.3 = word
            default: continue
            }
            word = 0
        }
        guard digits == 64 else { return nil }
        self.words = words
    }

    /// The 64 lowercase hex digits.
    public var hex: String {
        let alphabet = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for word in [words.0, words.1, words.2, words.3] {
            for shift in stride(from: 60, through: 0, by: -4) { out.append(alphabet[Int(word >> UInt64(shift) & 0xF)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `hex` spells this digest, without building a string.
    public func matches(_ hex: String?) -> Bool {
        guard let hex, let other = SpecDigest(hex: hex) else { return false }
        return other == self
    }

    public static func == (a: SpecDigest, b: SpecDigest) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}

import Common
import FoundationEssentials

/// A Kubernetes memory quantity (`512Mi`, `1Gi`, `1G`, `1500M`, `1e9`, `134217728`), held as
/// whole bytes. Used by the opt-in OOM escalation, which stores its result in
/// `account_status.memory_override`.
/// https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
public struct MemoryQuantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    /// nil for anything that is not a non-negative quantity of at most Int64.max bytes. A fraction
    /// of a byte is rounded up, as the API server does for memory (`0.5` → 1, `100m` → 1).
    public init?(_ text: String) {
        let text = text.trimmingSpaces()
        let numberEnd = text.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == "." || $0 == "+")) }) ?? text.endIndex
        let number = text[..<numberEnd]
        let suffix = text[numberEnd...]
        guard !number.isEmpty, number.contains(where: \.isNumber), number.filter({ $0 == "." }).count <= 1,
              !number.dropFirst().contains("+"), let mantissa = Decimal(string: String(number.drop(while: { $0 == "+" })), locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        guard let multiplier = Self.multiplier(suffix) else { return nil }
        let value = mantissa * multiplier
        guard value >= 0, value <= Decimal(Int64.max) else { return nil }
        // Rounded up by its plain decimal text (`Decimal`'s rounding is full-Foundation only):
        // the whole part, plus one when any fraction digit is not zero.
        let plain = value.description
        let point = plain.firstIndex(of: ".") ?? plain.endIndex
        guard let whole = Int64(plain[..<point]) else { return nil }
        let hasFraction = plain[point...].contains(where: { $0 != "." && $0 != "0" })
        if hasFraction && whole == Int64.max { return nil }
        self.bytes = hasFraction ? whole + 1 : whole
    }

    private static func multiplier(_ suffix: Substring) -> Decimal? {
        let binary: [Substring: Int] = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]
        let decimal: [Substring: Int] = ["n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18]
        if let power = binary[suffix] { return Decimal(sign: .plus, exponent: 0, significand: Decimal(UInt64(1) << UInt64(power))) }
        if let exponent = decimal[suffix] { return Decimal(sign: .plus, exponent: exponent, significand: 1) }
        // Decimal exponent form: `1e9`, `5E-3`.
        guard let first = suffix.first, first == "e" || first == "E", let exponent = Int(suffix.dropFirst()), abs(exponent) <= 30 else { return nil }
        return Decimal(sign: .plus, exponent: exponent, significand: 1)
    }

    /// The shortest exact form: the largest binary unit (`Ei` … `Ki`) that divides the value,
    /// else the largest decimal one (`E` … `k`), else plain bytes.
    public var description: String {
        guard bytes > 0 else { return "0" }
        for (unit, power) in [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)] where bytes % (Int64(1) << power) == 0 {
            return "\(bytes >> power)\(unit)"
        }
        var scale: Int64 = 1_000_000_000_000_000_000
        for unit in ["E", "P", "T", "G", "M", "k"] {
            if bytes % scale == 0 { return "\(bytes / scale)\(unit)" }
            scale /= 1000
        }
        return String(bytes)
    }

    public static func < (lhs: MemoryQuantity, rhs: MemoryQuantity) -> Bool { lhs.bytes < rhs.bytes }

    /// The next memory setting after an OOM kill: `current × factor`, rounded up to a whole Mi,
    /// capped at `max`. nil when no increase is possible (already at or above `max`, or a factor ≤ 1).
    public static func escalate(current: MemoryQuantity, factor: Double, max: MemoryQuantity) -> MemoryQuantity? {
        guard factor > 1, factor.isFinite, current < max else { return nil }
        let mebibyte = Double(1 << 20)
        let target = (Double(current.bytes) * factor / mebibyte).rounded(.up) * mebibyte
        guard target < Double(max.bytes) else { return max }
        let next = MemoryQuantity(bytes: Int64(target))
        return next > current ? next : nil
    }

    /// The memory a rendered Job's containers get today: the largest `limits.memory` (or, without
    /// a limit, `requests.memory`) among its containers; nil when none sets memory. The starting
    /// point of an escalation when the account has no override yet.
    public static func largestContainerMemory(in manifest: JSONValue) -> MemoryQuantity? {
        let containers = manifest["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? []
        func quantity(_ value: JSONValue?) -> MemoryQuantity? {
            switch value {
            case .string(let text)?: MemoryQuantity(text)
            case .integer(let bytes)? where bytes >= 0: MemoryQuantity(bytes: bytes)
            default: nil
            }
        }
        return containers.compactMap { container in
            let resources = container["resources"]
            return quantity(resources?["limits"]?["memory"]) ?? quantity(resources?["requests"]?["memory"])
        }.max()
    }

    /// The Job with `memory` as the memory request and limit of every container (not of init
    /// containers, whose memory is not what ran out): how an OOM escalation reaches a Job.
    public static func settingContainerMemory(_ memory: String, in manifest: JSONValue) -> JSONValue {
        guard case .array(let containers)? = manifest["spec"]?["template"]?["spec"]?["containers"] else { return manifest }
        var manifest = manifest
        manifest["spec"]?["template"]?["spec"]?["containers"] = .array(containers.map { container in
            var container = container
            var resources = container["resources"]?.objectValue ?? [:]
            for field in ["requests", "limits"] {
                var values = resources[field]?.objectValue ?? [:]
                values["memory"] = .string(memory)
                resources[field] = .object(values)
            }
            container["resources"] = .object(resources)
            return container
        })
        return manifest
    }
}

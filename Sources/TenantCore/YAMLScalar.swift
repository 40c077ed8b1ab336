import Common

/// How a YAML scalar of the template becomes a JSON value.
///
/// Kubernetes tools (kubectl, sigs.k8s.io/yaml) read YAML 1.1 via go-yaml v2. We follow them
/// where the result is what people mean, and refuse what silently surprises:
/// - quoted and block scalars, and `!!str`/`!` tagged ones, are always strings;
/// - `true`/`false` (any of the three capitalisations YAML knows) are booleans;
/// - the YAML 1.1-only booleans `y n yes no on off` (any case variant) are an error: kubectl makes
///   them booleans, YAML 1.2 and most editors strings; the user must write `true`/`false` or quote;
/// - integers are integers (`backoffLimit: 0` stays `0`, never `0.0`): decimal, `0x` hex,
///   `0o` octal, `0b` binary, and a leading `0` means octal as in YAML 1.1 (`defaultMode: 0644`
///   is 420, as kubectl sends it); `_` separators allowed; `08`, `09` are an error;
/// - decimals with `.` or an exponent are floating point; `.inf`/`.nan` are an error (not JSON);
/// - `~`, `null`, `Null`, `NULL` and the empty value are null;
/// - anything else — timestamps and `1:30` included — is a string, as go-yaml v2 leaves them.
enum YAMLScalar {
    static func resolvePlain(_ text: String) -> Result<JSONValue, Problem> {
        switch text {
        case "", "~", "null", "Null", "NULL": return .success(.null)
        case "true", "True", "TRUE": return .success(.bool(true))
        case "false", "False", "FALSE": return .success(.bool(false))
        case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
            return .failure(Problem("\(JSONText.quote(text)) is ambiguous: YAML 1.1 (kubectl) reads it as a boolean, YAML 1.2 as a string; write true or false for a boolean, or quote it for a string"))
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            return .failure(Problem("\(JSONText.quote(text)) is not a number JSON can carry; quote it if you mean a string"))
        default: break
        }
        if let integer = integer(text) { return integer }
        if let number = floatingPoint(text) { return .success(.double(number)) }
        return .success(.string(text))
    }

    /// A `!!int`, `!!float`, `!!bool` or `!!null` tagged scalar. With the explicit tag there is
    /// no ambiguity, so the YAML 1.1 boolean words are accepted here.
    static func resolveTagged(_ text: String, tag: String) -> Result<JSONValue, Problem> {
        switch tag {
        case "tag:yaml.org,2002:int":
            if let result = integer(text), case .success = result { return result }
            return .failure(Problem("\(JSONText.quote(text)) is tagged !!int but is not an integer"))
        case "tag:yaml.org,2002:float":
            if let result = integer(text), case .success(.integer(let i)) = result { return .success(.double(Double(i))) }
            if let number = floatingPoint(text) { return .success(.double(number)) }
            return .failure(Problem("\(JSONText.quote(text)) is tagged !!float but is not a number"))
        case "tag:yaml.org,2002:bool":
            switch text {
            case "true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON": return .success(.bool(true))
            case "false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF": return .success(.bool(false))
            default: return .failure(Problem("\(JSONText.quote(text)) is tagged !!bool but is not true or false"))
            }
        case "tag:yaml.org,2002:null":
            return .success(.null)
        default:
            return .failure(Problem("the tag \(tag) is not supported in a Job template; allowed: !!str, !!int, !!float, !!bool, !!null"))
        }
    }

    struct Problem: Error, Equatable {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// nil when the text does not look like an integer at all; a failure when it does but is not
    /// one we accept (too large, `08`).
    private static func integer(_ text: String) -> Result<JSONValue, Problem>? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard let first = body.first, first.isASCII, first.isNumber else { return nil }
        var radix = 10
        var legacyOctal = false
        for (marker, base) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] where body.hasPrefix(marker) {
            radix = base
            body = body.dropFirst(2)
        }
        if radix == 10 && body.count > 1 && first == "0" {
            radix = 8
            legacyOctal = true
            body = body.dropFirst()
        }
        guard !body.isEmpty, body.first != "_" else { return nil }
        let digits = String(body.filter { $0 != "_" })
        let tooLarge = Problem("\(JSONText.quote(text)) does not fit in a 64-bit integer; quote it if you mean a string")
        guard digits.allSatisfy({ $0.isASCII && ($0.hexDigitValue ?? radix) < radix }) else {
            if legacyOctal && digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
                return .failure(Problem("\(JSONText.quote(text)) has a leading 0, which YAML 1.1 (kubectl) reads as octal, but it is not octal; remove the 0 or quote it"))
            }
            return nil
        }
        guard let magnitude = UInt64(digits, radix: radix) else { return .failure(tooLarge) }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return .failure(tooLarge) }
            return .success(.integer(Int64(truncatingIfNeeded: 0 &- magnitude)))
        }
        guard magnitude <= UInt64(Int64.max) else { return .failure(tooLarge) }
        return .success(.integer(Int64(magnitude)))
    }

    /// go-yaml v2's float pattern: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
    private static func floatingPoint(_ text: String) -> Double? {
        var s = Substring(text)
        if let sign = s.first, sign == "+" || sign == "-" { s = s.dropFirst() }
        let mantissaEnd = s.firstIndex(where: { $0 == "e" || $0 == "E" }) ?? s.endIndex
        let mantissa = s[s.startIndex..<mantissaEnd]
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits: (Substring) -> Bool = { $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard parts.allSatisfy(isDigits) else { return nil }
        if parts.count == 1 {
            guard !parts[0].isEmpty, mantissaEnd != s.endIndex else { return nil }
        } else if parts[0].isEmpty {
            guard !parts[1].isEmpty else { return nil }
        }
        if mantissaEnd != s.endIndex {
            var exponent = s[s.index(after: mantissaEnd)...]
            if let sign = exponent.first, sign == "+" || sign == "-" { exponent = exponent.dropFirst() }
            guard !exponent.isEmpty, isDigits(exponent) else { return nil }
        }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }
}

import FoundationEssentials
import Glibc

/// RFC 3339 timestamps in UTC, the layouts Kubernetes uses.
public enum Timestamp {
    /// `2026-11-23T17:50:03Z`: metav1.Time (seconds precision).
    public static func rfc3339(_ date: Date) -> String { format(date, fractionDigits: 0) }
    /// `2026-11-23T17:50:03.123Z`: log lines.
    public static func rfc3339Millis(_ date: Date) -> String { format(date, fractionDigits: 3) }
    /// `2026-11-23T17:50:03.123456Z`: metav1.MicroTime (Lease renewTime, Event eventTime).
    public static func rfc3339Micros(_ date: Date) -> String { format(date, fractionDigits: 6) }

    private static func format(_ date: Date, fractionDigits: Int) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int(interval.rounded(.down))
        let unit = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000][fractionDigits]
        var fraction = Int(((interval - Double(seconds)) * Double(unit)).rounded(.down))
        if fraction >= unit { fraction = 0; seconds += 1 }
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var out = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
        if fractionDigits > 0 {
            out += "." + pad(Int32(fraction), fractionDigits)
        }
        return out + "Z"
    }

    /// Parses RFC 3339 with or without fractional seconds, `Z` or a numeric offset.
    public static func parse(_ text: String) -> Date? {
        let s = Array(text.utf8)
        guard s.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= s.count else { return nil }
            var v = 0
            for i in from..<(from + len) {
                guard s[i] >= 48 && s[i] <= 57 else { return nil }
                v = v * 10 + Int(s[i] - 48)
            }
            return v
        }
        guard let year = num(0, 4), s[4] == 45, let month = num(5, 2), s[7] == 45, let day = num(8, 2),
              s[10] == 84 || s[10] == 116 || s[10] == 32, let hour = num(11, 2), s[13] == 58, let minute = num(14, 2), s[16] == 58,
              let second = num(17, 2) else { return nil }
        var index = 19
        var fraction = 0.0
        if index < s.count && s[index] == 46 {
            index += 1
            var scale = 0.1
            while index < s.count && s[index] >= 48 && s[index] <= 57 {
                fraction += Double(s[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        guard index < s.count else { return nil }
        var offset = 0
        if s[index] == 90 || s[index] == 122 {
            index += 1
        } else if s[index] == 43 || s[index] == 45 {
            guard let oh = num(index + 1, 2), s.count > index + 3, s[index + 3] == 58, let om = num(index + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (s[index] == 45 ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == s.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let epoch = timegm(&parts)
        return Date(timeIntervalSince1970: Double(epoch - offset) + fraction)
    }
}

/// Typed, validated reads of environment variables. Every failure is a `ConfigError` naming the
/// variable, the value and what is allowed, so an executable can print it and exit 2.
public struct Environment: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    /// A value, treating an empty string like an unset variable (as Kubernetes `env: value: ""` often means).
    public func string(_ name: String) -> String? {
        guard let v = values[name], !v.isEmpty else { return nil }
        return v
    }

    public func string(_ name: String, default fallback: String) -> String { string(name) ?? fallback }

    public func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let raw = string(name) else { return fallback }
        guard let v = Int(raw.trimmingSpaces), range.contains(v) else {
            throw ConfigError(name: name, value: raw, problem: "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    public func optionalInteger(_ name: String, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard string(name) != nil else { return nil }
        return try integer(name, default: 0, range: range)
    }

    public func number(_ name: String, default fallback: Double, range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard let raw = string(name) else { return fallback }
        guard let v = Double(raw.trimmingSpaces), v.isFinite, range.contains(v) else {
            throw ConfigError(name: name, value: raw, problem: "expected a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    public func optionalNumber(_ name: String, range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard string(name) != nil else { return nil }
        return try number(name, default: 0, range: range)
    }

    public func boolean(_ name: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let raw = string(name) else { return fallback }
        switch raw.trimmingSpaces.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigError(name: name, value: raw, problem: "expected true or false")
        }
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T) throws(ConfigError) -> T where T.RawValue == String {
        guard let raw = string(name) else { return fallback }
        guard let v = T(rawValue: raw.trimmingSpaces.lowercased()) else {
            throw ConfigError(name: name, value: raw, problem: "expected one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return v
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}

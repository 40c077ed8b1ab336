import FoundationEssentials
import Synchronization

/// Counters and gauges rendered in the Prometheus text format for `/metrics`.
/// A registry of a few dozen series behind one `Mutex`: far cheaper than pulling in
/// swift-metrics and swift-prometheus for the same output.
public final class Metrics: Sendable {
    public enum Kind: String, Sendable { case counter, gauge, summary }

    private struct Family {
        var help: String
        var kind: Kind
        var series: [String: Double] = [:]  // rendered label set → value
    }

    private struct Registry {
        var families: [String: Family] = [:]
        var order: [String] = []

        /// The family `name`, created with `kind` (help = name) when it was never described.
        mutating func family(_ name: String, _ kind: Kind) -> String {
            if families[name] == nil {
                families[name] = Family(help: name, kind: kind)
                order.append(name)
            }
            return name
        }
    }

    private let registry = Mutex(Registry())

    public init() {}

    /// Declares a metric so it shows up (at zero when it has no labels) before anything happened.
    public func describe(_ name: String, _ kind: Kind, help: String) {
        registry.withLock { r in
            guard r.families[name] == nil else { return }
            r.families[name] = Family(help: help, kind: kind)
            r.order.append(name)
        }
    }

    public func increment(_ name: String, by amount: Double = 1, labels: [String: String] = [:]) {
        update(name, labels) { $0 += amount }
    }

    /// Adds one observation to a summary (`<name>_sum` and `<name>_count`, no quantiles).
    public func observe(_ name: String, _ value: Double) {
        registry.withLock { r in
            let key = r.family(name, .summary)
            r.families[key]!.series["_sum", default: 0] += value
            r.families[key]!.series["_count", default: 0] += 1
        }
    }

    public func set(_ name: String, _ value: Double, labels: [String: String] = [:]) {
        update(name, labels) { $0 = value }
    }

    public func value(_ name: String, labels: [String: String] = [:]) -> Double {
        let key = Self.render(labels)
        return registry.withLock { $0.families[name]?.series[key] ?? 0 }
    }

    private func update(_ name: String, _ labels: [String: String], _ change: (inout Double) -> Void) {
        let key = Self.render(labels)
        registry.withLock { r in
            let family = r.family(name, .counter)
            change(&r.families[family]!.series[key, default: 0])
        }
    }

    /// The Prometheus text exposition format, version 0.0.4.
    public func render() -> String {
        let (families, order) = registry.withLock { ($0.families, $0.order) }
        var out = ""
        for name in order {
            guard let family = families[name] else { continue }
            out += "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.kind.rawValue)\n"
            if family.kind == .summary {
                // Series keys are the `_sum` / `_count` suffixes; both show before any observation.
                for suffix in ["_sum", "_count"] { out += "\(name)\(suffix) \(Self.format(family.series[suffix] ?? 0))\n" }
                continue
            }
            if family.series.isEmpty {
                out += "\(name) 0\n"
                continue
            }
            for labels in family.series.keys.sorted() {
                out += "\(name)\(labels) \(Self.format(family.series[labels]!))\n"
            }
        }
        return out
    }

    static func render(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let parts = labels.keys.sorted().map { key -> String in
            "\(key)=\"\(escapedLabelValue(labels[key]!))\""
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// A label value as the exposition format writes it: `\`, `"` and newline escaped. Most
    /// values need none, and are returned as they are without building a new string.
    static func escapedLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 4)
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

        static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// The samples of a Prometheus text exposition, by series (`name{label="v",…}` exactly as
/// rendered), which is all the benchmark needs to read a few of the provisioner's metrics.
struct PrometheusText: Sendable {
    private(set) var samples: [String: Double] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
    }

    /// The value of a series; `labels` must be given in the order the exposition sorts them (by key).
    func value(_ name: String, _ labels: [(String, String)] = []) -> Double {
        let key = labels.isEmpty ? name : name + "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
        return samples[key] ?? 0
    }
}

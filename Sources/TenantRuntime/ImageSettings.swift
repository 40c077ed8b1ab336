import Common
import TenantCore

/// `RESOLVE_IMAGE_DIGESTS` and what goes with it (README "Pinned image digests").
public struct ImageSettings: Sendable, Equatable {
    /// Off unless `RESOLVE_IMAGE_DIGESTS=true`: the other three are read and checked either way.
    public var resolve: Bool
    /// `IMAGE_RESOLVE_INTERVAL`: how long a resolved digest is used before the registry is asked again.
    public var interval: Double
    /// `MAX_IMAGE_ROLLS_PER_PASS`: tenants moved to a new digest per `POLL_INTERVAL`.
    public var maxRollsPerPass: Int
    /// `INSECURE_REGISTRIES`: hosts (with port, as images name them) asked over plain HTTP.
    public var insecureRegistries: Set<String>

    public static func from(_ env: Environment) throws(ConfigError) -> ImageSettings {
        let insecure = (env.string("INSECURE_REGISTRIES") ?? "").split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        for host in insecure where !ImageReference.isHost(host) {
            throw ConfigError(name: "INSECURE_REGISTRIES", value: env.string("INSECURE_REGISTRIES") ?? "",
                              problem: "\(host) is not a registry host: a comma-separated list of host names with an optional port, as images name them (registry.local:5000), without a scheme or path")
        }
        return ImageSettings(
            resolve: try env.boolean("RESOLVE_IMAGE_DIGESTS", default: false),
            interval: try env.number("IMAGE_RESOLVE_INTERVAL", default: 300, range: 1...86400),
            maxRollsPerPass: try env.integer("MAX_IMAGE_ROLLS_PER_PASS", default: 10, range: 0...1_000_000),
            insecureRegistries: Set(insecure))
    }

    public var logMetadata: [String: String] {
        guard resolve else { return ["resolve_image_digests": "false"] }
        var m = ["resolve_image_digests": "true", "image_resolve_interval": "\(interval)", "max_image_rolls_per_pass": "\(maxRollsPerPass)"]
        if !insecureRegistries.isEmpty { m["insecure_registries"] = insecureRegistries.sorted().joined(separator: ",") }
        return m
    }
}

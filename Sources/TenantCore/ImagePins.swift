import Common
import FoundationEssentials

/// The digests a workload's images are pinned to, by image key (`ImageReference.key`):
/// what `RESOLVE_IMAGE_DIGESTS` pins a render to, and what the rendered workload says it runs in
/// its `tenant-provisioner/image-digests` annotation. The planner compares that annotation with
/// the latest digests to find the tenants that have to roll, without parsing anything for the
/// tenants already on the latest (`text` is canonical: equal pins, equal text).
public struct ImagePins: Sendable, Hashable {
    /// Digest by image key.
    public let digests: [String: String]
    /// Canonical JSON (keys sorted, no spaces): the annotation's value.
    public let text: String

    public init(_ digests: [String: String] = [:]) {
        self.digests = digests
        self.text = "{" + digests.keys.sorted().map { "\(JSONText.quote($0)):\(JSONText.quote(digests[$0]!))" }.joined(separator: ",") + "}"
    }

    /// The pins an annotation names; nil when it is not a JSON object of image keys to
    /// `sha256:` digests (edited by hand): the workload is then taken to pin nothing.
    public init?(annotation: String) {
        guard let value = try? JSONValue.parse(Data(annotation.utf8)), case .object(let object) = value else { return nil }
        var digests: [String: String] = [:]
        for (key, digest) in object {
            guard let digest = digest.stringValue, ImageReference.isDigest(digest) else { return nil }
            digests[key] = digest
        }
        self.init(digests)
    }

    public var isEmpty: Bool { digests.isEmpty }

    public func digest(for key: String) -> String? { digests[key] }

    /// The pins of `keys` only (the images a template names).
    public func restricted(to keys: some Sequence<String>) -> ImagePins {
        var out: [String: String] = [:]
        for key in keys { out[key] = digests[key] }
        return ImagePins(out)
    }

    /// What rolling from these pins to `latest` changes: every image `latest` knows a digest for
    /// that these pin to another digest or not at all, in key order.
    public func changes(to latest: ImagePins) -> [ImageChange] {
        latest.digests.keys.sorted().compactMap { key in
            let to = latest.digests[key]!
            let from = digests[key]
            return from == to ? nil : ImageChange(image: key, from: from, to: to)
        }
    }
}

/// One image of a tenant's workload moving to another digest.
public struct ImageChange: Sendable, Hashable, CustomStringConvertible {
    public var image: String
    /// The digest it runs now; nil when it runs the tag (created before the digest was known).
    public var from: String?
    public var to: String

    public init(image: String, from: String?, to: String) {
        self.image = image
        self.from = from
        self.to = to
    }

    /// `<image> <old digest> → <new digest>` (`tag` for an unpinned image): plans and audit reasons.
    public var description: String { "\(image) \(from ?? "(tag)") → \(to)" }

    /// For `audit_log.details`.
    public var json: JSONValue {
        .object(["image": .string(image), "from": from.map(JSONValue.string) ?? .null, "to": .string(to)])
    }
}

/// How a plan pins images (`RESOLVE_IMAGE_DIGESTS`); absent from `PlanPolicy` when off.
public struct ImagePolicy: Sendable, Equatable {
    /// The latest digest of each image the template names (those the resolver knows): what a
    /// new workload is pinned to, and what a roll moves an existing one to.
    public var latest: ImagePins
    /// Rolls still allowed in the current `POLL_INTERVAL` (`MAX_IMAGE_ROLLS_PER_PASS` minus the
    /// rolls this interval already sent, NOTIFY passes included).
    public var rollBudget: Int

    public init(latest: ImagePins, rollBudget: Int) {
        self.latest = latest
        self.rollBudget = rollBudget
    }
}

import Common

/// The Job of one active account, rendered: what `ActionExecutor` sends to the API server right
/// after `JobTemplate.render` made it. Nothing else holds manifests; the planner works with
/// `JobOrder` (not rendered) and spec hashes.
public struct RenderedJob: Sendable, Equatable {
    public var accountID: String
    public var name: String
    /// The name suffix: `{{ account_slug }}` and the `tenant-provisioner/account` label.
    public var suffix: String
    /// The complete batch/v1 Job, labels and annotations (spec hash included) set.
    public var manifest: JSONValue
    /// The `tenant-provisioner/spec-hash` annotation's value; see `SpecHash`.
    public var specHash: String
    public var generation: Int64
    /// `RESOLVE_IMAGE_DIGESTS`: the digests pinned (the image-digests annotation), and what
    /// pinning did with each image (an unresolved one is logged by the executor).
    public var pins = ImagePins()
    public var pinning: [ImagePinning.Result] = []

    public init(accountID: String, name: String, suffix: String, manifest: JSONValue, specHash: String, generation: Int64) {
        self.accountID = accountID
        self.name = name
        self.suffix = suffix
        self.manifest = manifest
        self.specHash = specHash
        self.generation = generation
    }
}

/// The spec hash: lowercase hex sha256 of
/// `<canonical JSON of the rendered manifest without the spec-hash annotation> "\n" <generation in decimal>`.
/// Canonical JSON is `JSONValue.canonicalJSON` (compact, object keys sorted, integers without a
/// fraction), so the hash does not depend on key order in the template, and any change of a
/// rendered field (template or account data) or of the account's generation changes it.
public enum SpecHash {
    public static func of(manifest: JSONValue, generation: Int64) -> String {
        var withoutHash = manifest
        if case .object(var annotations)? = manifest["metadata"]?["annotations"] {
            annotations[ManagedMetadata.specHashAnnotation] = nil
            withoutHash["metadata"]?["annotations"] = .object(annotations)
        }
        return SHA256.hex(withoutHash.canonicalJSON + "\n" + String(generation))
    }
}

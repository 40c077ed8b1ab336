import Common

/// `RESOLVE_IMAGE_DIGESTS` (issue 16): every container and init container image of a rendered
/// workload that is not pinned already becomes `<name>:<tag>@sha256:<digest>`, the digest its tag
/// points at (as the resolver knows it). Pure: the digests come from `digest`.
public enum ImagePinning {
    /// What pinning did with one image.
    public enum Result: Sendable, Equatable {
        /// Written with this digest.
        case pinned(ImageReference, digest: String)
        /// Pinned in the template already (or by the account's data): left as it is.
        case alreadyPinned
        /// No digest known for it yet: left with its tag (the caller logs why).
        case unresolved(ImageReference)
        /// Not an image reference (a placeholder rendered to something odd): left as it is.
        case invalid(ImageReferenceError)
    }

    /// The images of the pod template at `kind.podTemplatePath`, containers then init containers.
    public static func images(in manifest: JSONValue, kind: WorkloadKind) -> [String] {
        let podSpec = podSpec(of: manifest, kind: kind)
        return ["containers", "initContainers"].flatMap { field in
            (podSpec?[field]?.arrayValue ?? []).compactMap { $0["image"]?.stringValue }
        }
    }

    /// `manifest` with every unpinned image that `digest` knows pinned, and what happened to each
    /// image (in `images` order).
    public static func pin(_ manifest: JSONValue, kind: WorkloadKind, digest: (ImageReference) -> String?) -> (JSONValue, [Result]) {
        var results: [Result] = []
        var out = manifest
        JobTemplate.update(&out, at: kind.podTemplatePath[...] + ["spec"]) { podSpec in
            var podSpec = podSpec.objectValue ?? [:]
            for field in ["containers", "initContainers"] {
                guard case .array(let containers)? = podSpec[field] else { continue }
                podSpec[field] = .array(containers.map { container in
                    guard let image = container["image"]?.stringValue else { return container }
                    let reference: ImageReference
                    switch ImageReference.parse(image) {
                    case .failure(let error):
                        results.append(.invalid(error))
                        return container
                    case .success(let parsed):
                        reference = parsed
                    }
                    if reference.isPinned {
                        results.append(.alreadyPinned)
                        return container
                    }
                    guard let found = digest(reference) else {
                        results.append(.unresolved(reference))
                        return container
                    }
                    results.append(.pinned(reference, digest: found))
                    var pinned = container
                    pinned["image"] = .string(reference.pinned(to: found))
                    return pinned
                })
            }
            return .object(podSpec)
        }
        return (out, results)
    }

    static func podSpec(of manifest: JSONValue, kind: WorkloadKind) -> JSONValue? {
        var node: JSONValue? = manifest
        for key in kind.podTemplatePath + ["spec"] { node = node?[key] }
        return node
    }
}

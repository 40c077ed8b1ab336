import Common

/// Turns a Job as the API server returned it into a manifest it accepts again: what the standalone
/// restarter caches when it first sees a Job and re-creates after a failure.
///
/// Removed: `status`; `metadata` uid, resourceVersion, creationTimestamp, managedFields,
/// generation, selfLink, deletionTimestamp, deletionGracePeriodSeconds and the deletion
/// finalizers (`foregroundDeletion`, `orphan`); the Job controller's
/// `batch.kubernetes.io/job-tracking` annotation; `spec.selector` unless `spec.manualSelector` is
/// true (the server generates it from the new uid); the `controller-uid`,
/// `batch.kubernetes.io/controller-uid`, `job-name` and `batch.kubernetes.io/job-name` labels from
/// the pod template, and from the Job's own labels the controller-uid ones and job-name ones equal
/// to the Job's name (values only the server would have set there).
///
/// Kept: everything a user set, including labels, annotations, other finalizers,
/// ttlSecondsAfterFinished, activeDeadlineSeconds, podFailurePolicy, and `ownerReferences`: an
/// owner (a custom resource, say) still owns the re-created Job and garbage collection still
/// removes it with its owner; dropping them would leak the Job when the owner goes.
public enum ManifestSanitizer {
    static let serverMetadataFields = ["uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"]
    static let controllerUIDLabels = ["controller-uid", "batch.kubernetes.io/controller-uid"]
    static let jobNameLabels = ["job-name", "batch.kubernetes.io/job-name"]
    static let deletionFinalizers: Set<String> = ["foregroundDeletion", "orphan"]

    public static func stripServerFields(_ job: JSONValue) -> JSONValue {
        var job = job
        job["status"] = nil
        let name = job["metadata"]?["name"]?.stringValue
        if var metadata = job["metadata"]?.objectValue {
            for field in serverMetadataFields { metadata[field] = nil }
            if case .array(let finalizers)? = metadata["finalizers"] {
                let kept = finalizers.filter { !deletionFinalizers.contains($0.stringValue ?? "") }
                metadata["finalizers"] = kept.isEmpty ? nil : .array(kept)
            }
            metadata["annotations"] = removing(["batch.kubernetes.io/job-tracking"], from: metadata["annotations"])
            var labels = removing(controllerUIDLabels, from: metadata["labels"])
            for key in jobNameLabels where labels?[key]?.stringValue == name {
                labels = removing([key], from: labels)
            }
            metadata["labels"] = labels
            job["metadata"] = .object(metadata)
        }
        if var spec = job["spec"]?.objectValue {
            if spec["manualSelector"] != .bool(true) { spec["selector"] = nil }
            if var podTemplate = spec["template"]?.objectValue, var podMetadata = podTemplate["metadata"]?.objectValue {
                podMetadata["labels"] = removing(controllerUIDLabels + jobNameLabels, from: podMetadata["labels"])
                podMetadata["creationTimestamp"] = nil
                podTemplate["metadata"] = podMetadata.isEmpty ? nil : .object(podMetadata)
                spec["template"] = .object(podTemplate)
            }
            job["spec"] = .object(spec)
        }
        return job
    }

    /// The map without `keys`; nil when nothing is left (an empty map is the same as none).
    private static func removing(_ keys: [String], from map: JSONValue?) -> JSONValue? {
        guard case .object(var object)? = map else { return map }
        for key in keys { object[key] = nil }
        return object.isEmpty ? nil : .object(object)
    }
}

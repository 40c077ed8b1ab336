import Common
/// The labels and annotations SPEC "Kubernetes objects" puts on every managed Job.
public enum ManagedMetadata {
    public static let managedByLabel = "app.kubernetes.io/managed-by"
    public static let managedByValue = "tenant-provisioner"
    public static let instanceLabel = "tenant-provisioner/instance"
    /// The Job name suffix (a valid label value, unlike the account id).
    public static let accountLabel = "tenant-provisioner/account"
    public static let accountIDAnnotation = "tenant-provisioner/account-id"
    public static let specHashAnnotation = "tenant-provisioner/spec-hash"
    /// `RESOLVE_IMAGE_DIGESTS`: the digests the workload's images are pinned to (`ImagePins.text`).
    public static let imageDigestsAnnotation = "tenant-provisioner/image-digests"
    /// The environment variable every container gets.
    public static let accountIDVariable = "ACCOUNT_ID"

    /// The label selector of the Jobs one instance manages (for LIST and WATCH).
    /// The only labels the provisioner reads on its Jobs (`isManaged`); its Job cache keeps no other.
    public static let readLabels: Set<String> = [managedByLabel, instanceLabel]

    public static func selector(instance: String) -> String {
        "\(managedByLabel)=\(managedByValue),\(instanceLabel)=\(instance)"
    }

    /// Whether labels mark an object as managed by this instance; only those are ever deleted or recreated.
    public static func isManaged(labels: StringPairs, instance: String) -> Bool {
        labels[managedByLabel] == managedByValue && labels[instanceLabel] == instance
    }
}

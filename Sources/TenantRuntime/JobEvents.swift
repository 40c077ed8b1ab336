import Common
import FoundationEssentials
import Kube

/// Puts core v1 Events on Jobs, where `kubectl describe job` shows them. Best effort: an Event
/// that cannot be created is logged and changes nothing else (the failure is in the database).
public struct JobEvents: Sendable {
    let client: KubeClient
    /// `source.component` / `reportingComponent`.
    let component: String
    /// This replica (`reportingInstance`).
    let instance: String
    let logger: Logger

    public init(client: KubeClient, component: String, instance: String, logger: Logger) {
        self.client = client
        self.component = component
        self.instance = instance
        self.logger = logger
    }

    /// A Warning Event about Job `name` (uid `uid`) in `namespace`.
    public func warning(jobName name: String, uid: String, namespace: String, reason: String, message: String, now: Date = Date()) async {
        // Named like the Events kubectl and client-go make: the object's name and a unique suffix.
        let suffix = String(UInt64(now.timeIntervalSince1970 * 1e9), radix: 16) + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let event = Event(metadata: ObjectMeta(name: "\(name).\(suffix)", namespace: namespace),
                          involvedObject: ObjectReference(apiVersion: "batch/v1", kind: "Job", name: name, namespace: namespace, uid: uid),
                          reason: reason, message: message, type: "Warning", component: component, instance: instance, at: now)
        do {
            let _: KubeClient.MetadataOnly = try await client.create(.events, namespace: namespace, object: event)
        } catch {
            logger.warning("could not create the Event on the Job", ["job.name": name, "event.reason": reason, "error": error.description])
        }
    }
}

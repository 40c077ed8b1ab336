import Common
import Foundation
import Kube
import TestSupport

/// Shared pieces of the tests that run against the emulator.
enum Fixtures {
    /// `curl_global_init` once per test process, like `main` does in the executables.
    static let curlReady: Void = KubeTransport.globalInit()

    static func client(_ emulator: KubeEmulator, kubeconfig: String? = nil, rateLimit: KubeClient.RateLimit = .init(qps: 1000, burst: 1000),
                       retry: RetryPolicy = RetryPolicy(maxAttempts: 4, backoff: Backoff(initial: 0.05, factor: 2, maximum: 0.5)),
                       sink: LogSink = .memory()) throws -> KubeClient {
        _ = curlReady
        let config = try KubeconfigFile.load(path: kubeconfig ?? emulator.kubeconfigPath)
        return KubeClient(config: config, rateLimit: rateLimit, retryPolicy: retry, requestTimeout: 20,
                          logger: Logger(label: "kube-test", sink: sink))
    }

    static func job(_ name: String, labels: [String: String] = [:], annotations: [String: String] = [:], extraSpec: [String: JSONValue] = [:]) -> JSONValue {
        var spec: [String: JSONValue] = [
            "backoffLimit": 0,
            "template": ["spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox"]]]],
        ]
        spec.merge(extraSpec) { _, new in new }
        return ["apiVersion": "batch/v1", "kind": "Job",
                "metadata": ["name": .string(name), "labels": .object(labels.mapValues { .string($0) }),
                             "annotations": .object(annotations.mapValues { .string($0) })],
                "spec": .object(spec)]
    }
}

extension KubeClient {
    /// For tests that have no watch: polls with GET until the object is gone (true) or `timeout`
    /// seconds pass (false).
    func waitUntilGone(_ resource: KubeResource, namespace: String?, name: String, timeout: Double) async throws -> Bool {
        try await poll(timeout: timeout) {
            let object: KubeClient.MetadataOnly? = try await get(resource, namespace: namespace, name: name)
            return object == nil
        }
    }
}

import Common
import Foundation

/// The objects of a kustomization under `deploy/`, rendered by `kubectl kustomize` the way a user
/// installs them, but into the tests' namespace: the end-to-end tests give the provisioner and
/// the restarter exactly the Role the install gives them, nothing more.
public struct DeployManifests: Sendable {
    public let objects: [JSONValue]

    public struct RenderError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The install (`deploy`) and the standalone restarter.
    public static let install = "deploy"
    public static let restarter = "deploy/overlays/restarter"
    /// The install for the other workload kinds (the Role replaced by what that kind needs).
    public static let deployments = "deploy/overlays/deployments"
    public static let cronJobs = "deploy/overlays/cronjobs"
    public static let imageDigests = "deploy/overlays/image-digests"

    /// Renders `directory` (relative to the package root) with its namespace set to `namespace`,
    /// once per test process.
    public static func rendered(_ directory: String, namespace: String = "default") async throws -> DeployManifests {
        try await cache.value(for: directory + "@" + namespace) { try await render(directory, namespace: namespace) }
    }

    /// The one object of `kind` (and `name`), or an error naming what is there.
    public func object(kind: String, name: String? = nil) throws -> JSONValue {
        let matches = objects.filter { $0["kind"]?.stringValue == kind && (name == nil || $0["metadata"]?["name"]?.stringValue == name) }
        guard matches.count == 1 else {
            let present = objects.map { "\($0["kind"]?.stringValue ?? "?")/\($0["metadata"]?["name"]?.stringValue ?? "?")" }
            throw RenderError(description: "expected one \(kind)\(name.map { " named \($0)" } ?? ""), found \(matches.count) among \(present)")
        }
        return matches[0]
    }

    private static func render(_ directory: String, namespace: String) async throws -> DeployManifests {
        let source = BuildProducts.packageRoot.appendingPathComponent(directory).path
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-render-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        // An overlay of the real kustomization that only changes the namespace, the way the
        // README tells users to: kustomize's plain `namespace:` field would leave the RoleBinding's
        // subject in the old namespace. (kustomize takes a base by relative path only.)
        let relative = String(repeating: "../", count: URL(fileURLWithPath: work).pathComponents.count - 1) + source.dropFirst()
        try """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - \(relative)
            transformers:
              - |-
                apiVersion: builtin
                kind: NamespaceTransformer
                metadata:
                  name: namespace
                  namespace: \(namespace)
                setRoleBindingSubjects: allServiceAccounts

            """.write(toFile: work + "/kustomization.yaml", atomically: true, encoding: .utf8)
        let rendered = try await ChildProcess.run("/usr/bin/env", ["kubectl", "kustomize", work], timeout: 60)
        guard rendered.code == 0 else {
            throw RenderError(description: "kubectl kustomize \(directory) failed: \(rendered.stderr)")
        }
        try rendered.stdout.write(toFile: work + "/rendered.yaml", atomically: true, encoding: .utf8)
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        let converted = try await ChildProcess.run(python, ["-c", """
            import json, sys, yaml
            json.dump([d for d in yaml.safe_load_all(open(sys.argv[1])) if d], sys.stdout)
            """, work + "/rendered.yaml"], timeout: 60)
        guard converted.code == 0 else {
            throw RenderError(description: "reading the rendered \(directory) failed: \(converted.stderr)")
        }
        let objects = try JSONDecoder().decode([JSONValue].self, from: Data(converted.stdout.utf8))
        return DeployManifests(objects: objects)
    }

    private static let cache = RenderCache()
}

/// One render per key per process, shared by the tests that ask at the same time.
private actor RenderCache {
    private var tasks: [String: Task<DeployManifests, any Error>] = [:]

    func value(for key: String, _ make: @escaping @Sendable () async throws -> DeployManifests) async throws -> DeployManifests {
        if let task = tasks[key] { return try await task.value }
        let task = Task { try await make() }
        tasks[key] = task
        return try await task.value
    }
}

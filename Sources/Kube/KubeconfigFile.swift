import FoundationEssentials
import YAML

/// Reads a kubeconfig file (the format `kubectl` uses) into a `KubeConfig` for its current
/// context. Supports bearer `token`, `tokenFile`, client certificate and key as file or data,
/// certificate authority as file or data, and `insecure-skip-tls-verify`. Relative paths are
/// relative to the file's directory, as kubectl resolves them. Exec plugins and auth providers are
/// refused with an error naming them.
public enum KubeconfigFile {
    /// Loads `path`, using `context` instead of `current-context` when given.
    public static func load(path: String, context: String? = nil) throws(KubeConfigError) -> KubeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeConfigError(file: path, problem: "the kubeconfig file cannot be read (set KUBECONFIG to a readable file, or run in a cluster)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw KubeConfigError(file: path, problem: "the kubeconfig file is not UTF-8 text")
        }
        return try parse(text, path: path, context: context)
    }

    /// Parses kubeconfig text; `path` names the file in errors and anchors relative paths.
    public static func parse(_ text: String, path: String, context requestedContext: String? = nil) throws(KubeConfigError) -> KubeConfig {
        let parsed: YAMLNode?
        do {
            parsed = try YAMLParser.document(text)
        } catch {
            throw KubeConfigError(file: path, problem: "invalid YAML: \(describe(error))")
        }
        guard let root = parsed else { throw KubeConfigError(file: path, problem: "the kubeconfig file is empty") }
        let reader = Reader(path: path)
        guard root.mapping != nil else { throw reader.error("the document is not a mapping of kubeconfig keys", at: root) }

        let contextName: String
        if let requestedContext {
            contextName = requestedContext
        } else {
            guard let current = root["current-context"]?.string, !current.isEmpty else {
                throw reader.error("current-context is not set (run `kubectl config use-context NAME`)", at: root)
            }
            contextName = current
        }
        let contextEntry = try reader.entry(named: contextName, in: root, list: "contexts", field: "context")
        guard let clusterName = contextEntry["cluster"]?.string, !clusterName.isEmpty else {
            throw reader.error("context \"\(contextName)\" names no cluster", at: contextEntry)
        }
        let cluster = try reader.entry(named: clusterName, in: root, list: "clusters", field: "cluster")
        guard let server = cluster["server"]?.string, !server.isEmpty else {
            throw reader.error("cluster \"\(clusterName)\" has no server", at: cluster)
        }
        guard server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw reader.error("cluster \"\(clusterName)\" server \"\(server)\" is not an http(s) URL", at: cluster)
        }

        var config = KubeConfig(server: server, source: path)
        config.namespace = contextEntry["namespace"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        config.insecureSkipTLSVerify = try reader.bool(cluster["insecure-skip-tls-verify"], key: "insecure-skip-tls-verify") ?? false
        config.certificateAuthority = try reader.pem(cluster, file: "certificate-authority", data: "certificate-authority-data")

        if let userName = contextEntry["user"]?.string, !userName.isEmpty {
            let user = try reader.entry(named: userName, in: root, list: "users", field: "user")
            for unsupported in ["exec", "auth-provider", "username"] where user[unsupported] != nil {
                throw reader.error("user \"\(userName)\" authenticates with \"\(unsupported)\", which is not supported; use a token, tokenFile or client certificate", at: user)
            }
            if let token = user["token"]?.string, !token.isEmpty {
                config.token = .literal(token)
            } else if let tokenFile = user["tokenFile"]?.string, !tokenFile.isEmpty {
                config.token = .file(reader.resolve(tokenFile))
            }
            config.clientCertificate = try reader.pem(user, file: "client-certificate", data: "client-certificate-data")
            config.clientKey = try reader.pem(user, file: "client-key", data: "client-key-data")
            if (config.clientCertificate == nil) != (config.clientKey == nil) {
                throw reader.error("user \"\(userName)\" has a client certificate without a key or a key without a certificate", at: user)
            }
        }
        return config
    }

    /// Line and problem of a YAML error, without the offending text (it could hold a token).
    private static func describe(_ error: YAMLError) -> String {
        switch error.kind {
        case .syntax:
            guard let mark = error.mark else { return error.problem }
            return "line \(mark.line), column \(mark.column): \(error.problem)"
        case .repeatedKeys:
            return "line \(error.mark?.line ?? 1): a key appears more than once in one mapping"
        case .unreadable:
            return error.problem
        }
    }

    private struct Reader {
        let path: String

        func error(_ problem: String, at node: YAMLNode?) -> KubeConfigError {
            if let line = node?.mark.line {
                return KubeConfigError(file: path, problem: "line \(line): \(problem)")
            }
            return KubeConfigError(file: path, problem: problem)
        }

        /// The `field` mapping of the entry called `name` in the list `list` (`contexts`, `clusters`, `users`).
        func entry(named name: String, in root: YAMLNode, list: String, field: String) throws(KubeConfigError) -> YAMLNode {
            let entries = root[list]?.sequence?.items ?? []
            let singular = String(list.dropLast())
            guard let entry = entries.first(where: { $0["name"]?.string == name }) else {
                let known = entries.compactMap { $0["name"]?.string }
                throw error("\(singular) \"\(name)\" is not defined (\(list) defined: \(known.isEmpty ? "none" : known.joined(separator: ", ")))", at: root[list] ?? root)
            }
            guard let value = entry[field], value.mapping != nil else {
                throw error("\(singular) \"\(name)\" has no \(field) mapping", at: entry)
            }
            return value
        }

        func bool(_ node: YAMLNode?, key: String) throws(KubeConfigError) -> Bool? {
            guard let node else { return nil }
            guard let value = node.bool else { throw error("\(key) must be true or false", at: node) }
            return value
        }

        /// A PEM from `<file>` (a path) or `<data>` (base64 of the PEM bytes); data wins, like kubectl.
        func pem(_ node: YAMLNode, file: String, data: String) throws(KubeConfigError) -> PEMSource? {
            if let encoded = node[data]?.string, !encoded.isEmpty {
                guard let bytes = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters), !bytes.isEmpty else {
                    throw error("\(data) is not valid base64", at: node[data])
                }
                return .data(bytes)
            }
            if let p = node[file]?.string, !p.isEmpty {
                let resolved = resolve(p)
                guard FileManager.default.isReadableFile(atPath: resolved) else {
                    throw error("\(file) \"\(resolved)\" cannot be read", at: node[file])
                }
                return .file(resolved)
            }
            return nil
        }

        /// As kubectl resolves a path in the file: absolute as is, `~/…` under the home
        /// directory, anything else relative to the kubeconfig file's directory.
        func resolve(_ p: String) -> String {
            if p.hasPrefix("/") { return p }
            if p == "~" || p.hasPrefix("~/") {
                return FileManager.default.homeDirectoryForCurrentUser.path + p.dropFirst()
            }
            let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
            return (dir.isEmpty ? "" : dir) + "/" + p
        }
    }
}

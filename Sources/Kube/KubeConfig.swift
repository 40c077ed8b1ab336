import Synchronization
import Common
import FoundationEssentials
import Glibc

/// Everything needed to connect to one API server, from in-cluster files or a kubeconfig.
/// `description` never includes the token or key material.
public struct KubeConfig: Sendable, CustomStringConvertible {
    /// `https://host:port`, without a trailing slash.
    public var server: String
    public var token: BearerToken?
    public var clientCertificate: PEMSource?
    public var clientKey: PEMSource?
    public var certificateAuthority: PEMSource?
    public var insecureSkipTLSVerify: Bool
    /// The namespace this configuration points at (in-cluster namespace file or the context's), if any.
    public var namespace: String?
    /// Where this came from: `in-cluster` or the kubeconfig path, for log lines and errors.
    public var source: String

    public init(server: String, token: BearerToken? = nil, clientCertificate: PEMSource? = nil, clientKey: PEMSource? = nil,
                certificateAuthority: PEMSource? = nil, insecureSkipTLSVerify: Bool = false, namespace: String? = nil, source: String) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.token = token
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.certificateAuthority = certificateAuthority
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.namespace = namespace
        self.source = source
    }

    public var description: String {
        var auth: [String] = []
        if let token { auth.append(token.description) }
        if clientCertificate != nil { auth.append("client certificate") }
        return "\(server) from \(source) (auth: \(auth.isEmpty ? "none" : auth.joined(separator: ", ")))"
    }
}

/// PEM bytes either in a file (read by libcurl when connecting) or in memory (kubeconfig `*-data`).
public enum PEMSource: Sendable, Equatable {
    case file(String)
    case data(Data)
}

/// A bearer token, literal or read from a file. A file token is re-read when the file changes,
/// because the kubelet rotates projected service-account tokens in place (about hourly).
public final class BearerToken: Sendable, CustomStringConvertible {
    private enum Source: Sendable {
        case literal(String)
        case file(String)
    }

    private struct Cached: Sendable {
        var token: String
        var file: FileIdentity?
    }

    /// What tells a rotated token file from the one read before (kubelet replaces it atomically).
    private struct FileIdentity: Sendable, Equatable {
        var inode: UInt
        var size: Int
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            inode = UInt(info.st_ino)
            size = Int(info.st_size)
            modifiedSeconds = Int(info.st_mtim.tv_sec)
            modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
        }
    }

    private let source: Source
    private let cache = Mutex<Cached?>(nil)

    public static func literal(_ token: String) -> BearerToken { BearerToken(.literal(token)) }
    public static func file(_ path: String) -> BearerToken { BearerToken(.file(path)) }

    private init(_ source: Source) { self.source = source }

    /// The file a token is read from, if any.
    public var path: String? {
        if case .file(let p) = source { return p }
        return nil
    }

    /// The current token. A file is checked (stat) on every call and read again only when its
    /// modification time, size or inode changed (a rotated token is usually a new file swapped in
    /// by a symlink rename, so the inode changes too).
    public func current() throws -> String {
        switch source {
        case .literal(let t):
            return t
        case .file(let path):
            let file = FileIdentity(path: path)
            if let cached = cache.withLock({ $0 }), file != nil, cached.file == file {
                return cached.token
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubeConfigError(file: path, problem: "the bearer token file cannot be read")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingWhitespace()
            cache.withLock { $0 = Cached(token: token, file: file) }
            return token
        }
    }

    public var description: String {
        switch source {
        case .literal: "bearer token"
        case .file(let p): "bearer token from \(p)"
        }
    }
}

/// A kubeconfig or service-account file that cannot be used. The executables print it and exit 2.
public struct KubeConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}


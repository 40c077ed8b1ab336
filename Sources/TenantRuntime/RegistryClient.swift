import Common
import FoundationEssentials
import Kube
import Synchronization
import TenantCore

/// Why a tag's digest could not be learned. Never holds a credential or a token.
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var image: String
    public var problem: String
    /// The HTTP status that ended it, nil when there was no answer.
    public var status: Int?

    public var description: String { "\(image): \(problem)" }
}

/// Asks a registry (OCI distribution API v2) which digest a tag points at: `HEAD
/// /v2/<name>/manifests/<tag>` asking for the multi-arch index types first (OCI image index,
/// Docker manifest list), single manifests after, so the digest is the index's and the pin works
/// on every node architecture; `Docker-Content-Digest` is the answer (a registry that leaves it
/// out of HEAD is asked with GET, and the body hashed). A 401 is answered as its
/// `WWW-Authenticate` challenge says: Bearer → a token from the realm (with the pull Secret's
/// credentials as Basic, or anonymously), kept until it expires; Basic → the credentials on the
/// request. HTTPS with the system CAs; plain HTTP only for the hosts of `INSECURE_REGISTRIES`.
///
/// Requests go through `KubeTransport` (libcurl), one per registry origin; nothing here logs.
public final class RegistryClient: Sendable {
    /// What the HEAD asks for, most wanted first.
    public static let acceptedTypes = [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]

    let insecureRegistries: Set<String>
    let requestTimeout: Double
    private let transports = Mutex<[String: KubeTransport]>([:])
    /// Bearer tokens by registry host and scope, with when they stop being good.
    private let tokens = Mutex<[String: (token: String, until: Date)]>([:])

    public init(insecureRegistries: Set<String> = [], requestTimeout: Double = 30) {
        self.insecureRegistries = insecureRegistries
        self.requestTimeout = requestTimeout
    }

    /// The digest `reference`'s tag points at now.
    public func digest(of reference: ImageReference, credentials: RegistryCredentials?, now: @Sendable () -> Date = { Date() }) async -> Result<String, RegistryError> {
        let image = reference.key
        let origin = (insecureRegistries.contains(reference.domain) || insecureRegistries.contains(reference.apiHost) ? "http://" : "https://") + reference.apiHost
        let path = "/v2/\(reference.repository)/manifests/\(reference.tag)"
        let scope = "repository:\(reference.repository):pull"
        let tokenKey = reference.apiHost + " " + scope
        var authorization = tokens.withLock { cache in cache[tokenKey].flatMap { $0.until > now() ? "Bearer \($0.token)" : nil } }
        for attempt in 0..<2 {
            var headers = ["Accept": Self.acceptedTypes.joined(separator: ", ")]
            if let authorization { headers["Authorization"] = authorization }
            let response: KubeResponse
            switch await send(origin: origin, method: "HEAD", target: path, headers: headers) {
            case .failure(let problem): return .failure(RegistryError(image: image, problem: problem.text, status: nil))
            case .success(let answer): response = answer
            }
            switch response.statusCode {
            case 200:
                if let digest = response.headerValues("Docker-Content-Digest").first, ImageReference.isDigest(digest) { return .success(digest) }
                return await digestOfBody(image: image, origin: origin, path: path, headers: headers)
            case 401 where attempt == 0:
                guard let challenge = response.headerValues("WWW-Authenticate").lazy.compactMap(RegistryChallenge.parse).first else {
                    return .failure(RegistryError(image: image, problem: "\(origin) answered 401 without a Bearer or Basic challenge", status: 401))
                }
                switch challenge.scheme {
                case .basic:
                    guard let credentials else {
                        return .failure(RegistryError(image: image, problem: "\(origin) wants credentials (Basic) and the template's imagePullSecrets have none for \(reference.domain)", status: 401))
                    }
                    authorization = credentials.basicAuthorization
                case .bearer:
                    switch await token(for: challenge, scope: scope, credentials: credentials, image: image, now: now) {
                    case .failure(let error): return .failure(error)
                    case .success(let (token, until)):
                        tokens.withLock { $0[tokenKey] = (token, until) }
                        authorization = "Bearer \(token)"
                    }
                }
            case 401, 403:
                let who = credentials == nil ? "anonymously" : "with the credentials of \(credentials!.username)"
                return .failure(RegistryError(image: image, problem: "\(origin) refused to show the tag \(who) (\(response.statusCode))", status: response.statusCode))
            case 404:
                return .failure(RegistryError(image: image, problem: "\(origin) has no tag \(reference.tag) of \(reference.repository) (404)", status: 404))
            default:
                return .failure(RegistryError(image: image, problem: "\(origin) answered \(response.statusCode) for \(path)", status: response.statusCode))
            }
        }
        return .failure(RegistryError(image: image, problem: "\(origin) kept answering 401 after authenticating", status: 401))
    }

    /// A token from the challenge's realm: `GET realm?service=…&scope=…`, Basic with `credentials`
    /// when there are any. Good for `expires_in` seconds (60 when not said), less a margin.
    private func token(for challenge: RegistryChallenge, scope: String, credentials: RegistryCredentials?, image: String,
                       now: @Sendable () -> Date) async -> Result<(String, Date), RegistryError> {
        guard let realm = challenge.realm, let split = Self.split(realm) else {
            return .failure(RegistryError(image: image, problem: "the registry's Bearer challenge names no usable realm", status: 401))
        }
        var query: [KubeRequest.QueryItem] = []
        if let service = challenge.service { query.append(.init("service", service)) }
        query.append(.init("scope", challenge.scope ?? scope))
        var headers = ["Accept": "application/json"]
        if let credentials { headers["Authorization"] = credentials.basicAuthorization }
        let target = split.path + (split.path.contains("?") ? "&" : "?") + KubeRequest(verb: .get, method: "GET", path: "", query: query).queryString
        let response: KubeResponse
        switch await send(origin: split.origin, method: "GET", target: target, headers: headers) {
        case .failure(let problem): return .failure(RegistryError(image: image, problem: "token service: \(problem.text)", status: nil))
        case .success(let answer): response = answer
        }
        guard response.statusCode == 200 else {
            let who = credentials.map { "the credentials of \($0.username)" } ?? "an anonymous request"
            return .failure(RegistryError(image: image, problem: "the token service \(split.origin) refused \(who) (\(response.statusCode))", status: response.statusCode))
        }
        guard let body = try? JSONValue.parse(response.body), let token = body["token"]?.stringValue ?? body["access_token"]?.stringValue, !token.isEmpty else {
            return .failure(RegistryError(image: image, problem: "the token service \(split.origin) answered without a token", status: 200))
        }
        let lifetime = Double(body["expires_in"]?.integerValue ?? 60)
        return .success((token, now() + max(10, lifetime - 10)))
    }

    /// A registry that leaves `Docker-Content-Digest` out of HEAD: the manifest, hashed.
    private func digestOfBody(image: String, origin: String, path: String, headers: [String: String]) async -> Result<String, RegistryError> {
        switch await send(origin: origin, method: "GET", target: path, headers: headers) {
        case .failure(let problem): return .failure(RegistryError(image: image, problem: problem.text, status: nil))
        case .success(let response) where response.statusCode == 200:
            if let digest = response.headerValues("Docker-Content-Digest").first, ImageReference.isDigest(digest) { return .success(digest) }
            return .success("sha256:" + SHA256.hex(response.body))
        case .success(let response):
            return .failure(RegistryError(image: image, problem: "\(origin) answered \(response.statusCode) for \(path)", status: response.statusCode))
        }
    }

    private func send(origin: String, method: String, target: String, headers: [String: String]) async -> Result<KubeResponse, SendFailure> {
        let transport = transports.withLock { cache in
            if let existing = cache[origin] { return existing }
            let made = KubeTransport(config: KubeConfig(server: origin, source: "registry \(origin)"), requestTimeout: requestTimeout)
            cache[origin] = made
            return made
        }
        do {
            return .success(try await transport.perform(KubeRequest(verb: .get, method: method, path: target, headers: headers)))
        } catch {
            return .failure(SendFailure(text: "no answer from \(origin): \(error.description)"))
        }
    }

    struct SendFailure: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }

    /// `https://auth.example/token?x=1` → (`https://auth.example`, `/token?x=1`).
    static func split(_ url: String) -> (origin: String, path: String)? {
        let scheme = url.hasPrefix("https://") ? "https://" : url.hasPrefix("http://") ? "http://" : nil
        guard let scheme else { return nil }
        let rest = url.dropFirst(scheme.count)
        let pathStart = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        guard pathStart > rest.startIndex else { return nil }
        let path = rest[pathStart...]
        return (String(url[..<pathStart]), path.isEmpty ? "/" : (path.hasPrefix("?") ? "/" + path : String(path)))
    }
}

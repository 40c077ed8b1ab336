import Common
import FoundationEssentials

/// A registry's `WWW-Authenticate` answer to an anonymous request (RFC 7235 challenge):
/// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"`
/// sends the client to the realm for a token; `Basic realm="…"` wants the credentials on the
/// request itself.
public struct RegistryChallenge: Sendable, Equatable {
    public enum Scheme: String, Sendable { case bearer = "Bearer", basic = "Basic" }

    public var scheme: Scheme
    public var parameters: [String: String]

    public var realm: String? { parameters["realm"] }
    public var service: String? { parameters["service"] }
    public var scope: String? { parameters["scope"] }

    /// The first Bearer or Basic challenge of a header value; nil when there is none.
    public static func parse(_ header: String) -> RegistryChallenge? {
        var text = Substring(header).drop { $0 == " " }
        let schemeWord = text.prefix { $0 != " " }
        guard let scheme = Scheme.allCases.first(where: { $0.rawValue.lowercased() == schemeWord.lowercased() }) else { return nil }
        text = text.dropFirst(schemeWord.count)
        var parameters: [String: String] = [:]
        while true {
            text = text.drop { $0 == " " || $0 == "," }
            guard let equals = text.firstIndex(of: "=") else { break }
            let key = text[..<equals].trimmingSpaces().lowercased()
            guard !key.isEmpty, !key.contains(" ") else { break }  // the next challenge's scheme
            text = text[text.index(after: equals)...]
            var value = ""
            if text.first == "\"" {
                text = text.dropFirst()
                var escaped = false
                while let c = text.first {
                    text = text.dropFirst()
                    if escaped { value.append(c); escaped = false; continue }
                    if c == "\\" { escaped = true; continue }
                    if c == "\"" { break }
                    value.append(c)
                }
            } else {
                value = String(text.prefix { $0 != "," && $0 != " " })
                text = text.dropFirst(value.count)
            }
            parameters[key] = value
        }
        return RegistryChallenge(scheme: scheme, parameters: parameters)
    }
}

extension RegistryChallenge.Scheme: CaseIterable {}

/// A user name and password for one registry, from an image pull Secret.
public struct RegistryCredentials: Sendable, Equatable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Never the password: these end up in log lines by accident otherwise.
    public var description: String { "credentials of \(username)" }

    /// `Authorization: Basic …`.
    public var basicAuthorization: String { "Basic " + Base64.encode(Array("\(username):\(password)".utf8)) }
}

/// The `.dockerconfigjson` of a `kubernetes.io/dockerconfigjson` Secret: `{"auths": {host:
/// {"auth": base64(user:password)} or {"username", "password"}}}`. Keys are hosts, or URLs as
/// `docker login` writes them (`https://index.docker.io/v1/` for Docker Hub).
public enum DockerConfig {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var problem: String
        public var description: String { problem }
        public init(problem: String) { self.problem = problem }
    }

    /// Credentials by registry host (Docker Hub's under `docker.io`).
    public static func credentials(fromJSON text: String) -> Result<[String: RegistryCredentials], ParseError> {
        guard let root = try? JSONValue.parse(Data(text.utf8)), let auths = root["auths"]?.objectValue else {
            return .failure(ParseError(problem: "not a docker config: a JSON object with \"auths\" is expected"))
        }
        var out: [String: RegistryCredentials] = [:]
        for (key, entry) in auths {
            var user = entry["username"]?.stringValue
            var password = entry["password"]?.stringValue
            if let auth = entry["auth"]?.stringValue, !auth.isEmpty {
                guard let decoded = Base64.decode(auth).flatMap({ String(bytes: $0, encoding: .utf8) }), let colon = decoded.firstIndex(of: ":") else {
                    return .failure(ParseError(problem: "the \"auth\" of \(key) is not base64 of user:password"))
                }
                user = String(decoded[..<colon])
                password = String(decoded[decoded.index(after: colon)...])
            }
            guard let user, let password else { continue }
            out[host(ofKey: key)] = RegistryCredentials(username: user, password: password)
        }
        return .success(out)
    }

    /// `https://index.docker.io/v1/` → `docker.io`; `https://ghcr.io` → `ghcr.io`; `ghcr.io` as is.
    static func host(ofKey key: String) -> String {
        var host = Substring(key)
        for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host = host.dropFirst(scheme.count) }
        if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
        switch host {
        case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com": return ImageReference.dockerHub
        default: return String(host)
        }
    }
}

/// RFC 4648 base64 (with padding), for Basic credentials; FoundationEssentials has no encoder
/// that works on `[UInt8]` without `Data`, and this is small.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil when `text` is not base64 (whitespace is not allowed; padding is optional).
    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") { break }
            guard let index = alphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt8(index))
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i + 1 < values.count {
            out.append(values[i] << 2 | values[i + 1] >> 4)
            if i + 2 < values.count { out.append((values[i + 1] & 0x0F) << 4 | values[i + 2] >> 2) }
            if i + 3 < values.count { out.append((values[i + 2] & 0x03) << 6 | values[i + 3]) }
            i += 4
        }
        return out
    }
}

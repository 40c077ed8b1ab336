/// A container image reference as a container runtime reads it (the distribution project's
/// grammar): `[host[:port]/]path[:tag][@algorithm:hex]`. What digest pinning needs: where to ask
/// (registry host, repository path on it), for which tag, and whether it is pinned already.
///
/// - The first path component is a registry host only when there are more components and it
///   holds a `.` or a `:`, or is `localhost`; otherwise the image is on Docker Hub, whose API host
///   is `registry-1.docker.io` and whose one-component names live under `library/`.
/// - No tag means `latest`.
public struct ImageReference: Sendable, Equatable {
    /// The host (and port) as written, or `docker.io`.
    public var domain: String
    /// The repository on that registry, `library/` added for one-component Docker Hub names.
    public var repository: String
    public var tag: String
    /// `sha256:<hex>` when the reference is pinned.
    public var digest: String?
    /// The name as written, without tag and digest: what a pinned reference keeps.
    public var writtenName: String

    public static let dockerHub = "docker.io"

    /// Where the registry's v2 API lives: Docker Hub's is `registry-1.docker.io`.
    public var apiHost: String { domain == Self.dockerHub || domain == "index.docker.io" ? "registry-1.docker.io" : domain }

    public var isPinned: Bool { digest != nil }

    /// `<name as written>:<tag>@<digest>`: the tag stays for people, the digest decides.
    public func pinned(to digest: String) -> String { "\(writtenName):\(tag)@\(digest)" }

    /// The image cache key: one registry question per registry, repository and tag.
    public var key: String { "\(domain)/\(repository):\(tag)" }

    /// Parses `text`, or says why it is not an image reference.
    public static func parse(_ text: String) -> Result<ImageReference, ImageReferenceError> {
        guard !text.isEmpty else { return .failure(.init(image: text, problem: "the image is empty")) }
        var rest = Substring(text)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let value = String(rest[rest.index(after: at)...])
            guard isDigest(value) else {
                return .failure(.init(image: text, problem: "the digest \(value) is not sha256: followed by 64 lowercase hex characters"))
            }
            digest = value
            rest = rest[..<at]
        }
        var tag = "latest"
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            guard isTag(tag) else {
                return .failure(.init(image: text, problem: "the tag \(tag) is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})"))
            }
            rest = rest[..<colon]
        }
        let written = String(rest)
        var components = written.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var domain = dockerHub
        if components.count > 1, components[0].contains(".") || components[0].contains(":") || components[0] == "localhost" {
            domain = components.removeFirst()
            guard isHost(domain) else { return .failure(.init(image: text, problem: "the registry host \(domain) is not a host name with an optional port")) }
        }
        guard !components.isEmpty, components.allSatisfy(isPathComponent) else {
            return .failure(.init(image: text, problem: "the repository \(components.joined(separator: "/")) is not lowercase letters, digits and separators (., _, __, -) between / "))
        }
        if domain == dockerHub || domain == "index.docker.io", components.count == 1 { components.insert("library", at: 0) }
        return .success(ImageReference(domain: domain, repository: components.joined(separator: "/"), tag: tag, digest: digest, writtenName: written))
    }

    /// `sha256:` and 64 lowercase hex characters.
    public static func isDigest(_ s: String) -> Bool {
        guard s.hasPrefix("sha256:") else { return false }
        let hex = s.utf8.dropFirst(7)
        return hex.count == 64 && hex.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    static func isTag(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard (1...128).contains(bytes.count) else { return false }
        func word(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        return word(bytes[0]) && bytes.dropFirst().allSatisfy { word($0) || $0 == 46 || $0 == 45 }
    }

    /// `[a-z0-9]+` runs joined by `.`, `_`, `__` or runs of `-`.
    static func isPathComponent(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        var i = 0
        while i < bytes.count {
            if alnum(bytes[i]) { i += 1; continue }
            // A separator: `.`, `_`, `__`, or one or more `-`, each between alphanumerics.
            var j = i
            switch bytes[i] {
            case 46: j += 1
            case 95: j += (j + 1 < bytes.count && bytes[j + 1] == 95) ? 2 : 1
            case 45: while j < bytes.count && bytes[j] == 45 { j += 1 }
            default: return false
            }
            guard j < bytes.count, alnum(bytes[j]) else { return false }
            i = j
        }
        return true
    }

    static func alnum(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 97 && b <= 122) }

    /// `host[:port]`: DNS-ish labels (letters, digits, `-`, `.`), or `[ipv6]`, then an optional port.
    public static func isHost(_ s: String) -> Bool {
        var host = Substring(s)
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy(\.isASCIIDigit), let value = Int(port), (1...65535).contains(value) else { return false }
            host = host[..<colon]
        }
        if host.hasPrefix("[") { return host.hasSuffix("]") && host.count > 2 }
        return !host.isEmpty && host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.first != "-" && label.last != "-" && label.allSatisfy { $0.isASCIILetterOrDigit || $0 == "-" }
        }
    }
}

public struct ImageReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var image: String
    public var problem: String
    public var description: String { "image \(image.isEmpty ? "\"\"" : image): \(problem)" }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetterOrDigit: Bool { isASCII && (isLetter || isNumber) }
}

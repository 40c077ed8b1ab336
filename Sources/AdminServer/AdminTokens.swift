import Common
import Foundation
import Synchronization

/// Who is calling: the name written as `audit_log.actor`, and whether it may write.
public struct Caller: Sendable, Equatable {
    public let name: String
    public let canWrite: Bool
}

/// Where a bearer token comes from: a variable's value, or a file (a mounted Secret) read again
/// whenever it changes, so a rotated Secret takes effect without a restart.
public enum TokenSource: Sendable, Equatable {
    case value(String)
    case file(String)
}

public struct TokenGrant: Sendable, Equatable {
    public let source: TokenSource
    public let caller: Caller
}

/// Checks `Authorization: Bearer …` against the configured tokens. Compares SHA-256 digests
/// with a constant-time loop, so neither the token's content nor its length shows in the
/// response time; never logs or returns a token.
public final class TokenAuthority: Sendable {
    /// What identifies one version of a token file: a Secret volume swaps in a new file (a new
    /// inode) on every update, and an in-place edit changes the time or the size.
    private struct FileState {
        var inode: UInt64?
        var modified: Date?
        var size: Int?
        var digest: [UInt8]?
    }

    private let grants: [TokenGrant]
    private let files: Mutex<[String: FileState]> = Mutex([:])

    public init(_ grants: [TokenGrant]) { self.grants = grants }

    public enum Outcome: Sendable, Equatable {
        case allowed(Caller)
        /// No `Authorization: Bearer` header.
        case missing
        /// A token that matches none.
        case wrong
    }

    public func check(authorization: String?) -> Outcome {
        guard let header = authorization, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return .missing }
        let presented = SHA256.digest(Array(header.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8))
        var match: Caller?
        for grant in grants {
            // Every grant is compared, whatever matched before: the time does not say which.
            guard let expected = digest(of: grant.source) else { continue }
            if Self.constantTimeEqual(presented, expected), match == nil { match = grant.caller }
        }
        return match.map { .allowed($0) } ?? .wrong
    }

    /// Whether every token can be read now (a missing or empty token file: not ready).
    public var problem: String? {
        for grant in grants where digest(of: grant.source) == nil {
            if case .file(let path) = grant.source { return "the token file \(path) cannot be read or is empty" }
            return "a token is empty"
        }
        return nil
    }

    private func digest(of source: TokenSource) -> [UInt8]? {
        switch source {
        case .value(let token):
            return token.isEmpty ? nil : SHA256.digest(Array(token.utf8))
        case .file(let path):
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let inode = (attributes?[.systemFileNumber] as? NSNumber)?.uint64Value
            let modified = attributes?[.modificationDate] as? Date
            let size = (attributes?[.size] as? NSNumber)?.intValue
            if let cached = files.withLock({ $0[path] }), modified != nil,
               cached.inode == inode, cached.modified == modified, cached.size == size {
                return cached.digest
            }
            var digest: [UInt8]?
            if let data = FileManager.default.contents(atPath: path),
               let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
                digest = SHA256.digest(Array(text.utf8))
            }
            files.withLock { $0[path] = FileState(inode: inode, modified: modified, size: size, digest: digest) }
            return digest
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

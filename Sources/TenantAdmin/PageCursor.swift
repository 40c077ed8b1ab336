import Foundation

/// Where the next page starts: an opaque token (base64url) holding the sort key of the last row
/// returned. Keyset paging, so rows inserted or deleted meanwhile never make a page repeat or
/// skip a row that exists throughout.
public enum PageCursor: Sendable, Equatable {
    /// After this account id (accounts are ordered by id, byte-wise).
    case afterAccount(String)
    /// Before this row id (failures and audit rows come newest first).
    case beforeID(Int64)

    public var token: String {
        let raw = switch self {
        case .afterAccount(let id): "a:" + id
        case .beforeID(let id): "i:" + String(id)
        }
        return Data(raw.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The cursor in `token`, or nil when it is not one this server made.
    public init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let raw = String(data: data, encoding: .utf8) else { return nil }
        if raw.hasPrefix("a:"), raw.count > 2 {
            self = .afterAccount(String(raw.dropFirst(2)))
        } else if raw.hasPrefix("i:"), let id = Int64(raw.dropFirst(2)) {
            self = .beforeID(id)
        } else {
            return nil
        }
    }
}

/// A page size and where to start, checked.
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let maxLimit = 500

    public var limit: Int
    public var cursor: PageCursor?

    public init(limit: Int = PageRequest.defaultLimit, cursor: PageCursor? = nil) {
        self.limit = limit
        self.cursor = cursor
    }

    /// From the query parameters `limit` and `cursor` (strings as they arrived).
    public static func parse(limit: String?, cursor: String?, errors: inout FieldErrors) -> PageRequest {
        var page = PageRequest()
        if let limit {
            if let n = Int(limit), (1...maxLimit).contains(n) {
                page.limit = n
            } else {
                errors.add("limit", "must be a whole number from 1 to \(maxLimit)")
            }
        }
        if let cursor {
            if let parsed = PageCursor(token: cursor) {
                page.cursor = parsed
            } else {
                errors.add("cursor", "is not a cursor this server returned (use next_cursor of the previous page)")
            }
        }
        return page
    }
}

/// One page of results and the cursor of the next, nil on the last page.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: PageCursor?
}

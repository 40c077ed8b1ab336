import Common
import HTTPTypes
import Hummingbird
import NIOCore
import TenantAdmin

/// The JSON responses of the admin API. Every error body is `{"error": "…"}`, plus
/// `"fields": {"field": "problem"}` for 422.
enum AdminResponse {
    /// A finished response thrown out of a handler (401, 403, 400 before any work).
    struct Thrown: Error {
        let response: Response
        init(_ response: Response) { self.response = response }
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: value.canonicalJSON)))
    }

    /// An account, with its generation as the `ETag`.
    static func account(_ status: HTTPResponse.Status, _ account: JSONValue) -> Response {
        var response = json(status, account)
        response.headers[.eTag] = "\"\(account["generation"]?.integerValue ?? 0)\""
        return response
    }

    static func page(_ page: Page<JSONValue>) -> Response {
        json(.ok, ["items": .array(page.items), "next_cursor": page.nextCursor.map { .string($0.token) } ?? .null])
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var response = json(status, ["error": .string(message)])
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"tenants\"" }
        return response
    }

    static func error(_ error: AdminError) -> Response {
        switch error {
        case .invalid(let errors):
            return json(.unprocessableContent, ["error": .string(error.description),
                                                "fields": .object(errors.fields.mapValues { .string($0) })])
        case .notFound: return problem(.notFound, error.description)
        case .alreadyExists: return problem(.conflict, error.description)
        case .stale(_, let current):
            var response = problem(.preconditionFailed, error.description)
            response.headers[.eTag] = "\"\(current)\""
            return response
        case .unavailable: return problem(.serviceUnavailable, "the database is unavailable; try again later")
        }
    }
}

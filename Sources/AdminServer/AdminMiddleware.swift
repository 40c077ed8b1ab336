import Common
import HTTPTypes
import Hummingbird

/// Lets a request through only with a valid bearer token, and records who it is (401 without a
/// token or with a wrong one; the token itself is never logged).
struct BearerAuth: RouterMiddleware {
    typealias Context = AdminContext
    let tokens: TokenAuthority

    func handle(_ request: Request, context: AdminContext, next: (Request, AdminContext) async throws -> Response) async throws -> Response {
        switch tokens.check(authorization: request.headers[.authorization]) {
        case .allowed(let caller):
            var context = context
            context.caller = caller
            return try await next(request, context)
        case .missing:
            return AdminResponse.problem(.unauthorized, "authentication required: send Authorization: Bearer <token>")
        case .wrong:
            return AdminResponse.problem(.unauthorized, "the bearer token is not valid")
        }
    }
}

/// Counts requests by route and status for `/metrics`.
struct RequestMetrics: RouterMiddleware {
    typealias Context = AdminContext
    let metrics: Metrics

    func handle(_ request: Request, context: AdminContext, next: (Request, AdminContext) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            count(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
        count(request, context, status: response.status.code)
        return response
    }

    private func count(_ request: Request, _ context: AdminContext, status: Int) {
        metrics.increment("tenant_admin_requests_total", labels: ["route": context.endpointPath ?? "unmatched",
                                                                  "method": request.method.rawValue, "code": String(status)])
    }
}

import Common
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postgres
import SchemaMigrator
import TenantAdmin

/// The request context of the admin API: Hummingbird's, plus the authenticated caller.
public struct AdminContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller?

    public init(source: Source) {
        coreContext = .init(source: source)
        caller = nil
    }
}

/// The routes of `tenants serve` (see `OpenAPIDocument` for the contract they keep).
public struct AdminAPI: Sendable {
    /// Largest request body accepted (413 beyond): an account with its config is a few KiB.
    public static let maxBodyBytes = 64 * 1024

    let pool: ConnectionPool
    let tokens: TokenAuthority
    let metrics: Metrics
    let logger: Common.Logger

    public init(pool: ConnectionPool, tokens: TokenAuthority, metrics: Metrics, logger: Common.Logger) {
        self.pool = pool
        self.tokens = tokens
        self.metrics = metrics
        self.logger = logger
    }

    public func router() -> Router<AdminContext> {
        let router = Router(context: AdminContext.self)
        router.add(middleware: RequestMetrics(metrics: metrics))
        router.get("/healthz") { _, _ in AdminResponse.json(.ok, ["status": "ok"]) }
        router.get("/readyz") { _, _ in await self.readiness() }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: self.metrics.render())))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }

        let api = router.group().add(middleware: BearerAuth(tokens: tokens))
        api.get("/accounts") { request, _ in await self.handle { try await self.listAccounts(request) } }
        api.post("/accounts") { request, context in await self.handle { try await self.createAccount(request, context) } }
        api.get("/accounts/{id}") { _, context in await self.handle { try await self.getAccount(context) } }
        api.patch("/accounts/{id}") { request, context in await self.handle { try await self.patchAccount(request, context) } }
        api.delete("/accounts/{id}") { request, context in await self.handle { try await self.deleteAccount(request, context) } }
        api.get("/accounts/{id}/status") { _, context in
            await self.handle {
                let id = try Self.accountID(context)
                return AdminResponse.json(.ok, try await self.pool.withConnection { db in try await AdminStore.status(db, id: id) })
            }
        }
        api.get("/accounts/{id}/failures") { request, context in
            await self.handle {
                let id = try Self.accountID(context)
                let page = try Self.page(request)
                let result = try await self.pool.withConnection { db in try await AdminStore.failures(db, accountID: id, page: page) }
                return AdminResponse.page(result)
            }
        }
        api.get("/audit") { request, _ in
            await self.handle {
                var errors = FieldErrors()
                let query = request.uri.queryParameters
                let page = Self.page(request, into: &errors)
                let account = query.get("account_id")
                let action = query.get("action")
                if let account { AccountRules.checkID(account, into: &errors) }
                // schemathesis sent `action=%00…`: PostgreSQL text cannot hold a NUL, and the
                // refusal came back as 503 instead of this 4xx.
                if let action { AccountRules.checkFilter(action, field: "action", into: &errors) }
                guard errors.isEmpty else { throw AdminError.invalid(errors) }
                let result = try await self.pool.withConnection { db in
                    try await AdminStore.audit(db, accountID: account, action: action, page: page)
                }
                return AdminResponse.page(result)
            }
        }
        return router
    }

    // MARK: handlers

    private func listAccounts(_ request: Request) async throws -> Response {
        var errors = FieldErrors()
        let page = Self.page(request, into: &errors)
        var active: Bool?
        switch request.uri.queryParameters.get("active") {
        case nil: break
        case "true": active = true
        case "false": active = false
        default: errors.add("active", "must be true or false")
        }
        guard errors.isEmpty else { throw AdminError.invalid(errors) }
        let filter = active
        let result = try await pool.withConnection { db in try await AdminStore.listAccounts(db, active: filter, page: page) }
        return AdminResponse.page(result)
    }

    private func createAccount(_ request: Request, _ context: AdminContext) async throws -> Response {
        let caller = try Self.writer(context)
        let body = try await Self.body(request)
        let new: NewAccount
        switch AccountRules.newAccount(from: body) {
        case .success(let value): new = value
        case .failure(let errors): throw AdminError.invalid(errors)
        }
        let created = try await pool.withConnection { db in try await AdminStore.create(db, new, actor: caller.name) }
        logger.info("account created", ["actor": caller.name, "account.id": new.accountID])
        var response = AdminResponse.account(.created, created)
        response.headers[.location] = "/accounts/" + Self.pathSegment(new.accountID)
        return response
    }

    private func getAccount(_ context: AdminContext) async throws -> Response {
        let id = try Self.accountID(context)
        let account = try await pool.withConnection { db in try await AdminStore.account(db, id: id) }
        return AdminResponse.account(.ok, account)
    }

    private func patchAccount(_ request: Request, _ context: AdminContext) async throws -> Response {
        let caller = try Self.writer(context)
        let id = try Self.accountID(context)
        let expected = try Self.ifMatch(request)
        let body = try await Self.body(request)
        let changes: AccountChanges
        switch AccountRules.changes(from: body) {
        case .success(let value): changes = value
        case .failure(let errors): throw AdminError.invalid(errors)
        }
        let updated = try await pool.withConnection { db in
            try await AdminStore.update(db, id: id, changes, expectedGeneration: expected, actor: caller.name)
        }
        logger.info("account changed", ["actor": caller.name, "account.id": id, "fields": changes.fieldNames.joined(separator: ",")])
        return AdminResponse.account(.ok, updated)
    }

    private func deleteAccount(_ request: Request, _ context: AdminContext) async throws -> Response {
        let caller = try Self.writer(context)
        let id = try Self.accountID(context)
        let expected = try Self.ifMatch(request)
        try await pool.withConnection { db in try await AdminStore.delete(db, id: id, expectedGeneration: expected, actor: caller.name) }
        logger.info("account deleted", ["actor": caller.name, "account.id": id])
        return Response(status: .noContent)
    }

    private func readiness() async -> Response {
        if let problem = tokens.problem { return AdminResponse.json(.serviceUnavailable, ["status": "not ready", "problem": .string(problem)]) }
        do {
            let version = try await pool.withConnection { db in try await SchemaMigrator.currentVersion(db) }
            guard let version, version >= SchemaMigrator.requiredVersion else {
                return AdminResponse.json(.serviceUnavailable, [
                    "status": "not ready",
                    "problem": .string("the database schema is at version \(version.map(String.init) ?? "none"), this needs \(SchemaMigrator.requiredVersion): run `migrate up`"),
                ])
            }
            return AdminResponse.json(.ok, ["status": "ready"])
        } catch {
            return AdminResponse.json(.serviceUnavailable, ["status": "not ready", "problem": .string("database: \(error)")])
        }
    }

    /// Runs a handler and turns what it throws into the documented JSON error responses.
    private func handle(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as AdminError {
            if case .unavailable(let why) = error {
                metrics.increment("tenant_admin_db_errors_total")
                logger.error("database unavailable", ["error": why])
            }
            return AdminResponse.error(error)
        } catch let thrown as AdminResponse.Thrown {
            return thrown.response
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return AdminResponse.problem(.contentTooLarge, "the request body is larger than \(Self.maxBodyBytes) bytes")
        } catch {
            logger.error("request failed", ["error": "\(error)"])
            return AdminResponse.problem(.internalServerError, "internal error; the server log has the details")
        }
    }

    // MARK: request pieces

    static func writer(_ context: AdminContext) throws -> Caller {
        guard let caller = context.caller else { throw AdminResponse.Thrown(AdminResponse.problem(.unauthorized, "authentication required")) }
        guard caller.canWrite else {
            throw AdminResponse.Thrown(AdminResponse.problem(.forbidden, "the token \(JSONText.quote(caller.name)) may only read"))
        }
        return caller
    }

    /// The `{id}` path segment, percent-decoded (ids may hold `/`, `@`, spaces and unicode).
    static func accountID(_ context: AdminContext) throws -> String {
        guard let raw = context.parameters.get("id"), let id = raw.removingPercentEncoding else {
            throw AdminError.invalid(FieldErrors(["account_id": "is not valid percent-encoding in the path"]))
        }
        var errors = FieldErrors()
        AccountRules.checkID(id, into: &errors)
        guard errors.isEmpty else { throw AdminError.invalid(errors) }
        return id
    }

    static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#%"))) ?? id
    }

    /// `If-Match: "3"` (or `3`, or `W/"3"`) → 3; absent → nil.
    static func ifMatch(_ request: Request) throws -> Int64? {
        guard let raw = request.headers[.ifMatch] else { return nil }
        var text = Substring(raw.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
        guard let generation = Int64(text), generation >= 1 else {
            throw AdminError.invalid(FieldErrors(["If-Match": "must be the account's generation as an entity tag, e.g. \"3\" (from the ETag of a GET)"]))
        }
        return generation
    }

    /// `limit` and `cursor` of the query; their problems join `errors`.
    static func page(_ request: Request, into errors: inout FieldErrors) -> PageRequest {
        PageRequest.parse(limit: request.uri.queryParameters.get("limit"), cursor: request.uri.queryParameters.get("cursor"), errors: &errors)
    }

    static func page(_ request: Request) throws -> PageRequest {
        var errors = FieldErrors()
        let page = page(request, into: &errors)
        guard errors.isEmpty else { throw AdminError.invalid(errors) }
        return page
    }

    static func body(_ request: Request) async throws -> JSONValue {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
            throw AdminResponse.Thrown(AdminResponse.problem(.badRequest, "the request body is not JSON"))
        }
        return value
    }
}

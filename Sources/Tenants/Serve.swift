import AdminServer
import ArgumentParser
import Common
import Foundation
import Hummingbird
import Logging
import Postgres
import TenantAdmin

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the admin HTTP API.",
        discussion: "Configuration (environment variables; the README's table explains each):\n"
            + ConfigurationTable.usage(for: .tenants))

    func run() async throws {
        let settings: AdminSettings
        do {
            settings = try AdminSettings.load(Environment(ProcessInfo.processInfo.environment))
        } catch {
            throw CLIFailure(message: "configuration error: \(error.description)", code: .usage)
        }
        let logger = Common.Logger(label: "tenants", sink: .standardError(minimumLevel: settings.logLevel, format: settings.logFormat))
        let metrics = Metrics()
        metrics.describe("tenant_admin_requests_total", .counter, help: "Admin API requests by route, method and status code.")
        metrics.describe("tenant_admin_db_errors_total", .counter, help: "Requests that found the database unavailable.")
        let pool = ConnectionPool(config: settings.database, size: 4)
        let api = AdminAPI(pool: pool, tokens: TokenAuthority(settings.grants), metrics: metrics, logger: logger)
        // Hummingbird's own messages only when something is wrong; ours go through `logger`.
        var httpLogger = Logging.Logger(label: "tenants.http")
        httpLogger.logLevel = .warning
        let app = Application(router: api.router(),
                              configuration: .init(address: .hostname("0.0.0.0", port: settings.port), serverName: "tenants"),
                              onServerRunning: { channel in
                                  logger.info("serving the admin API", ["port": String(channel.localAddress?.port ?? settings.port),
                                                                        "database": settings.database.description,
                                                                        "tokens": String(settings.grants.count)])
                              },
                              logger: httpLogger)
        try await app.runService()
        await pool.closeAll()
        logger.info("stopped", [:])
    }
}

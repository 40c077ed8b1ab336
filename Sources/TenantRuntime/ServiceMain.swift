import Common
import FoundationEssentials
import Glibc

/// A long-running service as both `provisioner` and `restarter` run it: health endpoints up
/// first, SIGTERM and SIGINT turned into `shutdown`, `run` until it returns, then exit with its code.
public protocol RunnableService: Sendable {
    func handle(method: String, path: String) -> HealthServer.Response
    func run() async -> Int32
    func shutdown()
}

extension ProvisionerService: RunnableService {}
extension RestarterService: RunnableService {}

public enum ServiceMain {
    public static func run(_ service: some RunnableService, healthPort: Int, logger: Logger) async -> Never {
        let health = HealthServer(port: healthPort) { method, path in service.handle(method: method, path: path) }
        do {
            // With HEALTH_PORT=0 the system picks the port; the log line says which.
            let port = try health.start()
            logger.info("health endpoints listening", ["health.port": String(port)])
        } catch {
            logger.error("cannot start the health endpoints", ["error": "\(error)"])
            exit(ExitCode.failure.rawValue)
        }
        let signals = ShutdownSignal { sig in
            logger.info("shutdown requested; finishing the action in flight", ["signal": "\(sig)"])
            service.shutdown()
        }
        let code = await service.run()
        health.stop()
        withExtendedLifetime(signals) {}
        exit(code)
    }
}

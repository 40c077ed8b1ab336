import Common
import FoundationEssentials
import Glibc
import Kube
import Postgres
import TenantRuntime

/// `restarter`: restarts failed Jobs made by something else (SPEC "Restart logic").
@main
struct RestarterCommand {
    static var usage: String {
        """
        Usage: restarter          restart failed Kubernetes Jobs named by JOB_NAMES or selected by JOB_SELECTOR
               restarter --help

        Watches the Jobs, remembers each one's manifest when it first sees it (a ConfigMap per Job),
        records every failure (exit codes, reasons, the end of each failed container's log; in
        PostgreSQL too when DATABASE_URL is set) and creates the Job again after the delay.
        Configuration (environment variables; JOB_NAMES or JOB_SELECTOR is required, the README's
        table explains each):
        \(ConfigurationTable.usage(for: .restarter))

        Exit codes: 0 success (SIGTERM included), 1 runtime failure, 2 bad usage or configuration.
        """
    }

    static func main() async {
        FreedMemory.limitArenas(to: 2)
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments {
        case [], ["run"]: break
        case ["--help"], ["-h"], ["help"]:
            print(usage)
            exit(ExitCode.success.rawValue)
        default:
            writeToStandardError("restarter: unknown arguments \(arguments.joined(separator: " "))\n\n\(usage)\n")
            exit(ExitCode.usage.rawValue)
        }
        KubeTransport.globalInit()
        let deps: RestarterService.Dependencies
        do {
            deps = try RestarterStartup.load(environment: ProcessInfo.processInfo.environment, hostName: ProcessInfo.processInfo.hostName)
        } catch {
            writeToStandardError("restarter: configuration error: \(error.description)\n")
            exit(ExitCode.usage.rawValue)
        }
        var meta = deps.settings.logMetadata
        meta["namespace"] = deps.namespace
        meta["database"] = deps.database?.description ?? "none (no failure history)"
        meta["kubernetes"] = deps.kube.description
        deps.logger.info("starting", meta)
        await ServiceMain.run(RestarterService(deps), healthPort: deps.settings.healthPort, logger: deps.logger)
    }
}

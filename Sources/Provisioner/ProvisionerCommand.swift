import Common
import FoundationEssentials
import Glibc
import Kube
import Postgres
import TenantRuntime

/// `provisioner [run]` runs the operator; `provisioner plan` prints what a pass would do.
@main
struct ProvisionerCommand {
    static let synopsis = """
        Usage: provisioner [run]      keep one Kubernetes Job per active account (the operator)
               provisioner plan       print the plan of one pass (create / delete / recreate, with reasons) and exit
               provisioner --help
        """

    static var usage: String {
        """
        \(synopsis)

        Reads accounts from PostgreSQL and Jobs from the Kubernetes API. Configuration (environment
        variables, all optional; the README's table explains each):
        \(ConfigurationTable.usage(for: .provisioner))

        Exit codes: 0 success (SIGTERM included), 1 runtime failure, 2 bad usage or configuration.
        """
    }

    static func main() async {
        FreedMemory.limitArenas(to: 2)
        let arguments = Array(CommandLine.arguments.dropFirst())
        let mode: String
        switch arguments {
        case [], ["run"]: mode = "run"
        case ["plan"]: mode = "plan"
        case ["--help"], ["-h"], ["help"]:
            print(usage)
            exit(ExitCode.success.rawValue)
        default:
            // The synopsis only: the variables are for `--help`, not for a typo.
            writeToStandardError("provisioner: unknown arguments \(arguments.joined(separator: " "))\n\n\(synopsis)\n\nprovisioner --help lists the configuration variables.\n")
            exit(ExitCode.usage.rawValue)
        }
        KubeTransport.globalInit()
        let deps: ProvisionerService.Dependencies
        do {
            deps = try ProvisionerStartup.load(environment: ProcessInfo.processInfo.environment, hostName: ProcessInfo.processInfo.hostName)
        } catch {
            writeToStandardError("provisioner: configuration error: \(error.description)\n")
            exit(ExitCode.usage.rawValue)
        }
        if mode == "plan" {
            exit(await PlanCommand.run(deps))
        }
        var meta = deps.settings.logMetadata
        meta["namespace"] = deps.namespace
        meta["database"] = deps.database.description
        meta["kubernetes"] = deps.kube.description
        deps.logger.info("starting", meta)
        await ServiceMain.run(ProvisionerService(deps), healthPort: deps.settings.healthPort, logger: deps.logger)
    }
}

import Common
import FoundationEssentials
import Glibc
import SchemaMigrator

// Everything but reading the process state lives in SchemaMigrator.MigrateProgram.
let code = await MigrateProgram.run(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
exit(code.rawValue)

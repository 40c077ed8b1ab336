import Common
import Foundation
import Kube
import TestSupport

/// `provisioner-bench`: runs the release provisioner against the emulator for each number of
/// accounts and prints the table of issue 4. Not a test: `scripts/bench` runs it, CI does not.
@main
struct BenchmarkCommand {
    static func main() async {
        let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let options: BenchmarkOptions
        do {
            options = try BenchmarkOptions.parse(Array(CommandLine.arguments.dropFirst()), packageRoot: BuildProducts.packageRoot, binDirectory: binDirectory)
        } catch {
            FileHandle.standardError.write(Data("provisioner-bench: \(error.description)\n".utf8))
            exit(ExitCode.usage.rawValue)
        }
        guard FileManager.default.isExecutableFile(atPath: options.provisionerPath) else {
            FileHandle.standardError.write(Data("provisioner-bench: no provisioner binary at \(options.provisionerPath): build it with `swift build -c release --product provisioner` or pass --provisioner PATH\n".utf8))
            exit(ExitCode.usage.rawValue)
        }
        KubeTransport.globalInit()
        let date = Date()
        var results: [SizeResult] = []
        for accounts in options.restartsOnly ? [] : options.sizes {
            do {
                results.append(try await SizeRun(options: options, accounts: accounts).run())
            } catch {
                FileHandle.standardError.write(Data("provisioner-bench: the run with \(accounts) accounts failed: \(error)\n".utf8))
                exit(ExitCode.failure.rawValue)
            }
        }
        var defaultRateCheck: SizeResult? = nil
        if options.defaultRateCheckSize > 0 && !options.restartsOnly {
            do {
                defaultRateCheck = try await SizeRun(options: options, accounts: options.defaultRateCheckSize, kubeQPS: ResultTable.defaultQPS,
                                                     kubeBurst: ResultTable.defaultBurst, convergenceOnly: true).run()
            } catch {
                FileHandle.standardError.write(Data("provisioner-bench: the run at the default rate limit failed: \(error)\n".utf8))
                exit(ExitCode.failure.rawValue)
            }
        }
        var restarts: [RestartRun.Result] = []
        if options.restartJobs > 0 {
            for program in [RestartRun.Program.provisioner, .restarter] {
                do {
                    restarts.append(try await RestartRun(options: options, program: program, jobs: options.restartJobs).run())
                } catch {
                    FileHandle.standardError.write(Data("provisioner-bench: the \(program.rawValue) restart round failed: \(error)\n".utf8))
                    exit(ExitCode.failure.rawValue)
                }
            }
        }
        if !results.isEmpty {
            let table = ResultTable(options: options, results: results, defaultRateCheck: defaultRateCheck, date: date, machine: machineDescription)
            print(table.markdown, terminator: "")
        } else {
            print("provisioner benchmark, \(ResultTable.dateText(date)), \(machineDescription)")
        }
        print(RestartTable.markdown(restarts, options: options), terminator: "")
    }

    /// "Linux 6.1.0 x86_64, 2 cores" — what the figures were measured on.
    static var machineDescription: String {
        var name = utsname()
        uname(&name)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
        return "\(text(name.sysname)) \(text(name.release)) \(text(name.machine)), \(cores) cores, load average \(load) at start"
    }
}

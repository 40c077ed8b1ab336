import Common
import Foundation
import TestSupport
import Testing

/// One configuration table (`ConfigurationTable`): the README's copy is its rendering, and it
/// names every environment variable the programs read, and nothing they do not (issues 12, 14).
/// The variables read are taken from the code itself: every typed read (`env.string("X")`,
/// `.integer`, `.number`, `.boolean`, `.choice`, …) and every raw lookup (`environment["X"]`) in
/// the product modules.
@Suite struct ConfigurationTableTests {
    static let productModules = ["Common", "Postgres", "Kube", "TenantCore", "SchemaMigrator", "TenantRuntime",
                                 "Provisioner", "Restarter", "Migrate", "TenantAdmin", "AdminServer", "Tenants"]
    /// HOME: read only to find `~/.kube/config`, which the KUBECONFIG row names. USER: only the
    /// CLI's default actor name (`cli:$USER`), documented with the CLI.
    static let notConfiguration: Set<String> = ["HOME", "USER"]

    static func variablesReadByTheCode() throws -> Set<String> {
        let typed = try Regex(#"\.(?:string|integer|number|boolean|choice|optionalInteger|optionalNumber)\("([A-Z][A-Z0-9_]*)""#)
        let raw = try Regex(#"environment\["([A-Z][A-Z0-9_]*)"\]"#)
        var names = Set<String>()
        for module in productModules {
            let directory = BuildProducts.packageRoot.appendingPathComponent("Sources/\(module)")
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".swift") }
            for file in files {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                for regex in [typed, raw] {
                    for match in text.matches(of: regex) {
                        if let name = match.output[1].substring { names.insert(String(name)) }
                    }
                }
            }
        }
        return names.subtracting(notConfiguration)
    }

    @Test func theReadmeTableIsTheRenderingOfTheConfigurationTable() throws {
        let readme = try String(contentsOf: BuildProducts.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(ConfigurationTable.markdown + "\n\n"),
                "the README's configuration table differs from ConfigurationTable.markdown; paste the rendering")
    }

    @Test func theUsageTextsListTheVariablesOfTheirProgram() {
        let provisioner = ConfigurationTable.usage(for: .provisioner)
        #expect(provisioner.split(separator: "\n").contains { $0.contains("KUBE_QPS / KUBE_BURST") && $0.hasSuffix("  20 / 40") })
        #expect(provisioner.contains("POLL_INTERVAL"))
        #expect(!provisioner.contains("JOB_SELECTOR") && !provisioner.contains("ADMIN_PORT"))
        let restarter = ConfigurationTable.usage(for: .restarter)
        #expect(restarter.contains("JOB_NAMES or JOB_SELECTOR") && !restarter.contains("POLL_INTERVAL"))
    }

    @Test func theTableNamesExactlyTheVariablesTheCodeReads() throws {
        let code = try Self.variablesReadByTheCode()
        // The scan itself works: it finds variables of each program.
        #expect(code.isSuperset(of: ["DATABASE_URL", "JOB_TEMPLATE", "JOB_SELECTOR", "MIGRATIONS_DIR", "KUBECONFIG", "LOG_LEVEL"]))
        let readme = ConfigurationTable.rows.flatMap(\.names)
        #expect(readme.count == Set(readme).count, "listed twice: \(readme.filter { n in readme.filter { $0 == n }.count > 1 })")
        #expect(code.subtracting(readme).isEmpty, "read by the code, missing from ConfigurationTable: \(code.subtracting(readme).sorted())")
        #expect(Set(readme).subtracting(code).isEmpty, "in ConfigurationTable, read nowhere: \(Set(readme).subtracting(code).sorted())")
    }
}

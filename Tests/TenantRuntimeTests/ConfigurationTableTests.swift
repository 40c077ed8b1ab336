import Foundation
import TestSupport
import Testing

/// The README's configuration table lists every environment variable the three programs read,
/// and nothing they do not (issue 12). The variables are taken from the code itself: every
/// typed read (`env.string("X")`, `.integer`, `.number`, `.boolean`, `.choice`, …) and every
/// raw lookup (`environment["X"]`) in the product modules.
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

    /// Every `NAME` in backticks in the first column of the table under "## Configuration".
    static func variablesInTheReadme() throws -> [String] {
        let readme = try String(contentsOf: BuildProducts.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "\n## Configuration").dropFirst().first)
        let table = section.components(separatedBy: "\n## ").first ?? section
        let name = try Regex("`([A-Z][A-Z0-9_]*)`")
        var names: [String] = []
        for line in table.split(separator: "\n") where line.hasPrefix("| `") {
            let firstCell = line.dropFirst(2).prefix { $0 != "|" }
            for match in firstCell.matches(of: name) {
                if let n = match.output[1].substring { names.append(String(n)) }
            }
        }
        return names
    }

    @Test func theReadmeTableListsExactlyTheVariablesTheCodeReads() throws {
        let code = try Self.variablesReadByTheCode()
        // The scan itself works: it finds variables of each program.
        #expect(code.isSuperset(of: ["DATABASE_URL", "JOB_TEMPLATE", "JOB_SELECTOR", "MIGRATIONS_DIR", "KUBECONFIG", "LOG_LEVEL"]))
        let readme = try Self.variablesInTheReadme()
        #expect(readme.count == Set(readme).count, "listed twice: \(readme.filter { n in readme.filter { $0 == n }.count > 1 })")
        #expect(code.subtracting(readme).isEmpty, "read by the code, missing from the README table: \(code.subtracting(readme).sorted())")
        #expect(Set(readme).subtracting(code).isEmpty, "in the README table, read nowhere: \(Set(readme).subtracting(code).sorted())")
    }
}

import Common
import Foundation
import SchemaMigrator
import Testing

@Suite struct MigrationDirectoryTests {
    func directory(_ files: [String: String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, content) in files {
            try content.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
        }
        return path
    }

    @Test func fileNamesFollowTheVersionPattern() {
        #expect(MigrationFile.version(ofFileName: "0001_accounts.sql") == 1)
        #expect(MigrationFile.version(ofFileName: "20240101_big_number.sql") == 20_240_101)
        #expect(MigrationFile.version(ofFileName: "001_short.sql") == nil)
        #expect(MigrationFile.version(ofFileName: "0001_.sql") == nil)
        #expect(MigrationFile.version(ofFileName: "0001-accounts.sql") == nil)
        #expect(MigrationFile.version(ofFileName: "v0001_accounts.sql") == nil)
    }

    @Test func loadsSQLFilesInVersionOrderWithChecksums() throws {
        let path = try directory(["0010_b.sql": "SELECT 2;", "0002_a.sql": "SELECT 1;", "README.md": "docs", ".hidden.sql": "x"])
        let files = try MigrationDirectory.load(path)
        #expect(files.map(\.fileName) == ["0002_a.sql", "0010_b.sql"])
        #expect(files[0].checksum == SHA256.hex("SELECT 1;"))
    }

    @Test func badlyNamedSQLFileIsAConfigurationError() throws {
        let path = try directory(["0001_a.sql": "SELECT 1;", "add_column.sql": "SELECT 2;"])
        #expect { try MigrationDirectory.load(path) } throws: { error in
            (error as? ConfigError)?.name == "MIGRATIONS_DIR" && "\(error)".contains("add_column.sql")
        }
    }

    @Test func twoFilesWithOneVersionAreAConfigurationError() throws {
        let path = try directory(["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;"])
        #expect { try MigrationDirectory.load(path) } throws: { error in
            "\(error)".contains("0001_a.sql") && "\(error)".contains("0001_b.sql")
        }
    }

    @Test func missingDirectoryIsAConfigurationError() {
        #expect { try MigrationDirectory.load("/nonexistent/migrations") } throws: { error in
            (error as? ConfigError)?.name == "MIGRATIONS_DIR"
        }
    }

    @Test func requiredVersionIsTheNewestMigrationInTheRepository() throws {
        let files = try MigrationDirectory.load(packageMigrations)
        #expect(SchemaMigrator.requiredVersion == files.last?.version)
    }
}

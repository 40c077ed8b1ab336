import Common
import FoundationEssentials

/// One `NNNN_description.sql` file of the migrations directory.
public struct MigrationFile: Sendable, Equatable {
    /// The number before the first `_` (`0003` → 3). Files apply in this order.
    public let version: Int
    /// The file name, e.g. `0003_job_failures.sql`.
    public let fileName: String
    public let sql: String
    /// Lowercase hex sha256 of the file's bytes, recorded in `schema_migrations.checksum`.
    public let checksum: String

    public init(version: Int, fileName: String, sql: String, checksum: String) {
        self.version = version
        self.fileName = fileName
        self.sql = sql
        self.checksum = checksum
    }

    /// `NNNN_description.sql`: at least four digits, an underscore, a non-empty description.
    /// Returns the version, or nil when the name does not follow the pattern.
    public static func version(ofFileName name: String) -> Int? {
        guard name.hasSuffix(".sql"), let underscore = name.firstIndex(of: "_") else { return nil }
        let digits = name[name.startIndex..<underscore]
        let description = name[name.index(after: underscore)..<name.index(name.endIndex, offsetBy: -4)]
        guard digits.count >= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }), !description.isEmpty,
              !description.contains("/") else { return nil }
        return Int(digits)
    }
}

/// Reads the migration files of a directory.
public enum MigrationDirectory {
    /// Every `*.sql` file, sorted by version. Hidden entries (Kubernetes ConfigMap volumes keep
    /// `..data` links there) and files not ending in `.sql` (a README) are ignored. A `.sql` file
    /// with another name pattern, two files with one version, or an unreadable file is a
    /// configuration error naming `MIGRATIONS_DIR`.
    public static func load(_ path: String, variable: String = "MIGRATIONS_DIR") throws(ConfigError) -> [MigrationFile] {
        guard MigrateConfiguration.directoryExists(path) else {
            throw ConfigError(name: variable, value: path, problem: "no such directory; set \(variable) to the directory holding the NNNN_description.sql files")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw ConfigError(name: variable, value: path, problem: "cannot list the directory: \(error)")
        }
        var files: [MigrationFile] = []
        for name in names.sorted() where !name.hasPrefix(".") && name.hasSuffix(".sql") {
            guard let version = MigrationFile.version(ofFileName: name) else {
                throw ConfigError(name: variable, value: path, problem: "file \(JSONText.quote(name)) is not named NNNN_description.sql (at least four digits, an underscore, a description)")
            }
            let filePath = path.hasSuffix("/") ? path + name : path + "/" + name
            guard let data = FileManager.default.contents(atPath: filePath) else {
                throw ConfigError(name: variable, value: path, problem: "cannot read \(name)")
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw ConfigError(name: variable, value: path, problem: "\(name) is not valid UTF-8")
            }
            if let other = files.first(where: { $0.version == version }) {
                throw ConfigError(name: variable, value: path, problem: "\(other.fileName) and \(name) have the same version \(version); give one of them another number")
            }
            files.append(MigrationFile(version: version, fileName: name, sql: sql, checksum: SHA256.hex(data)))
        }
        return files.sorted { $0.version < $1.version }
    }
}

import FoundationEssentials
import Glibc
import TenantCore

extension JobTemplate {
    /// Reads the template file (`JOB_TEMPLATE`) and parses it. File access lives here, in the
    /// runtime: TenantCore only parses text.
    public static func load(path: String) throws(TemplateError) -> JobTemplate {
        guard let data = FileManager.default.contents(atPath: path) else {
            // The system's reason (no such file, permission denied), or a directory's.
            let reason = access(path, R_OK) == 0 ? "it is a directory or not a regular file" : String(cString: strerror(errno))
            throw TemplateError(file: path, line: nil, problem: "cannot read the file (\(reason)); mount the template ConfigMap there or set JOB_TEMPLATE to its path")
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw TemplateError(file: path, line: nil, problem: "the file is not UTF-8 text")
        }
        return try parse(yaml: yaml, file: path)
    }
}

import Foundation
import TenantCore

extension JobTemplate {
    /// Reads the template file (`JOB_TEMPLATE`) and parses it. File access lives here, in the
    /// runtime: TenantCore only parses text.
    public static func load(path: String) throws(TemplateError) -> JobTemplate {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TemplateError(file: path, line: nil, problem: "cannot read the file (\(error.localizedDescription)); mount the template ConfigMap there or set JOB_TEMPLATE to its path")
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw TemplateError(file: path, line: nil, problem: "the file is not UTF-8 text")
        }
        return try parse(yaml: yaml, file: path)
    }
}

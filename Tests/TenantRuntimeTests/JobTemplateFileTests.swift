import Common
import Foundation
import TenantCore
import TenantRuntime
import TestSupport
import Testing

@Suite struct JobTemplateFileTests {
    static let basic = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: worker
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: main
                  image: busybox:1.36

        """

    @Test func loadReadsTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("job-template-\(UUID().uuidString).yaml").path
        try Self.basic.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try JobTemplate.load(path: path).file == path)
    }

    @Test func loadOfAMissingFileNamesIt() {
        #expect(throws: TemplateError.self) { try JobTemplate.load(path: "/nonexistent/job-template.yaml") }
        do {
            _ = try JobTemplate.load(path: "/nonexistent/job-template.yaml")
        } catch {
            #expect(error.configError.name == "JOB_TEMPLATE")
            #expect(error.configError.value == "/nonexistent/job-template.yaml")
        }
    }
}

/// Every template deploy/ ships parses, is of the kind its overlay is for, and renders.
@Suite struct ShippedTemplateTests {
    @Test(arguments: [("deploy/base/job-template.yaml", WorkloadKind.job), ("deploy/overlays/dev/job-template.yaml", .job),
                      ("deploy/overlays/deployments/job-template.yaml", .deployment), ("deploy/overlays/cronjobs/job-template.yaml", .cronJob),
                      ("deploy/overlays/image-digests/job-template.yaml", .job)])
    func theShippedTemplateParsesAndRenders(path: String, kind: WorkloadKind) throws {
        let template = try JobTemplate.load(path: BuildProducts.packageRoot.appendingPathComponent(path).path)
        #expect(template.kind == kind)
        let account = Account(id: "acme", isActive: true, displayName: "Acme", config: [:], generation: 1)
        let rendered = try template.render(account: account, namespace: "tenants", instance: "default")
        #expect(rendered.manifest["kind"] == .string(kind.rawValue))
    }
}

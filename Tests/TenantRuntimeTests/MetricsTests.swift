import Common
import Testing
@testable import TenantRuntime

@Suite struct MetricsTests {
    @Test func rendersPrometheusTextWithHelpTypeAndLabels() {
        let m = Metrics()
        m.describe("tenant_provisioner_jobs_created_total", .counter, help: "Jobs created.")
        m.describe("tenant_provisioner_api_requests_total", .counter, help: "API requests by verb and code.")
        m.describe("tenant_provisioner_leader", .gauge, help: "1 while this replica holds the Lease.")
        m.increment("tenant_provisioner_api_requests_total", labels: ["verb": "list", "code": "200"])
        m.increment("tenant_provisioner_api_requests_total", by: 2, labels: ["verb": "create", "code": "201"])
        m.set("tenant_provisioner_leader", 1)
        let text = m.render()
        #expect(text.contains("# HELP tenant_provisioner_jobs_created_total Jobs created.\n# TYPE tenant_provisioner_jobs_created_total counter\ntenant_provisioner_jobs_created_total 0\n"))
        #expect(text.contains("tenant_provisioner_api_requests_total{code=\"201\",verb=\"create\"} 2\n"))
        #expect(text.contains("tenant_provisioner_api_requests_total{code=\"200\",verb=\"list\"} 1\n"))
        #expect(text.contains("# TYPE tenant_provisioner_leader gauge\ntenant_provisioner_leader 1\n"))
    }

    @Test func labelValuesAreEscaped() {
        let m = Metrics()
        m.increment("x_total", labels: ["reason": "a\"b\\c"])
        #expect(m.render().contains("x_total{reason=\"a\\\"b\\\\c\"} 1"))
        m.increment("y_total", labels: ["reason": "first\nsecond", "plain": "as-is"])
        #expect(m.render().contains("y_total{plain=\"as-is\",reason=\"first\\nsecond\"} 1"))
    }
}

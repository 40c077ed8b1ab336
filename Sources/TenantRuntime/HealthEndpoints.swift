import Common
import Kube

/// `/healthz`, `/readyz` and `/metrics`, as `provisioner` and `restarter` both serve them.
enum HealthEndpoints {
    /// `refresh` updates the gauges that are read rather than counted, just before `/metrics`
    /// renders; `prefix` names the program's metric families (`tenant_provisioner`).
    static func respond(method: String, path: String, readiness: Readiness, metrics: Metrics, client: KubeClient, prefix: String,
                        refresh: () -> Void) -> HealthServer.Response {
        guard method == "GET" || method == "HEAD" else { return .init(status: 405, body: "only GET\n") }
        switch path {
        case "/healthz":
            return .init(status: 200, body: "ok\n")
        case "/readyz":
            let problems = readiness.problems
            return problems.isEmpty ? .init(status: 200, body: "ok\n") : .init(status: 503, body: problems.joined(separator: "\n") + "\n")
        case "/metrics":
            for (key, count) in client.metrics.snapshot() {
                metrics.set("\(prefix)_api_requests_total", Double(count), labels: ["verb": key.verb.rawValue, "code": String(key.code)])
            }
            refresh()
            return .init(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render())
        default:
            return .init(status: 404, body: "not found; try /healthz, /readyz or /metrics\n")
        }
    }
}

import Kube
import Common
import TenantCore
import Testing
@testable import TenantRuntime

@Suite struct ProvisionerSettingsTests {
    @Test func defaultsFollowTheSpec() throws {
        let s = try ProvisionerSettings.from(Environment([:]), hostName: "pod-1")
        #expect(s.instance == "default")
        #expect(s.leaseName == "tenant-provisioner-default")
        #expect(s.jobTemplatePath == "/etc/provisioner/job-template.yaml")
        #expect(s.pollInterval == 30)
        #expect(s.maxDeletesPerPass == 100)
        #expect(s.rateLimit == KubeClient.RateLimit(qps: 20, burst: 40))
        #expect(s.healthPort == 8080)
        #expect(s.restart.policy == RestartPolicy(delay: 3600, backoffFactor: 1, maxDelay: 86400, skipDelayOnOOM: false))
        #expect(s.restart.logTailLines == 50)
        #expect(s.restart.escalation == nil)
        #expect(s.identity == "pod-1")
        #expect(!s.dryRun)
    }

    @Test(arguments: [
        ("POLL_INTERVAL", "0"), ("POLL_INTERVAL", "often"), ("MAX_DELETES_PER_PASS", "-1"),
        ("DRY_RUN", "maybe"), ("RERUN_AFTER_SUCCESS", "x"), ("KUBE_QPS", "0"), ("KUBE_BURST", "0"),
        ("HEALTH_PORT", "70000"), ("RESTART_DELAY", "-5"), ("RESTART_BACKOFF_FACTOR", "0.5"),
        ("SKIP_DELAY_ON_OOM", "2"), ("LOG_TAIL_LINES", "lots"), ("LOG_LEVEL", "verbose"),
        ("LOG_FORMAT", "xml"), ("INSTANCE", "bad value"), ("LEASE_NAME", "Bad_Name"),
        ("LEADER_ELECTION", "perhaps"), ("OOM_MEMORY_FACTOR", "1.5"),
        ("OOM_MEMORY_FACTOR", "1"), ("OOM_MEMORY_MAX", "4Gi"),
    ])
    func badValueNamesTheVariable(name: String, value: String) {
        let error = #expect(throws: ConfigError.self) {
            try ProvisionerSettings.from(Environment([name: value]), hostName: "h")
        }
        #expect(error?.description.contains(name) == true)
    }

    @Test func oomEscalationNeedsAFactorAboveOneAndAMemoryQuantity() throws {
        let s = try ProvisionerSettings.from(Environment(["OOM_MEMORY_FACTOR": "1.5", "OOM_MEMORY_MAX": "4Gi"]), hostName: "h")
        #expect(s.restart.escalation == MemoryEscalation(factor: 1.5, max: MemoryQuantity(bytes: 4 << 30)))
        let error = #expect(throws: ConfigError.self) {
            try ProvisionerSettings.from(Environment(["OOM_MEMORY_FACTOR": "1.5", "OOM_MEMORY_MAX": "lots"]), hostName: "h")
        }
        #expect(error?.name == "OOM_MEMORY_MAX")
        #expect(error?.problem.contains("4Gi") == true)
    }

    @Test func restartDelayMaxBelowDelayIsRejected() {
        #expect(throws: ConfigError.self) {
            try ProvisionerSettings.from(Environment(["RESTART_DELAY": "600", "RESTART_DELAY_MAX": "60"]), hostName: "h")
        }
    }
}

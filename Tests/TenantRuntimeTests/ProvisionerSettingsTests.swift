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
        ("RESOLVE_IMAGE_DIGESTS", "yes please"), ("IMAGE_RESOLVE_INTERVAL", "0"), ("MAX_IMAGE_ROLLS_PER_PASS", "-1"),
        ("INSECURE_REGISTRIES", "http://registry.local:5000"), ("INSECURE_REGISTRIES", "ok.local, bad/path"),
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

    @Test func imageDigestSettingsDefaultOffWithTheSpecsDefaults() throws {
        let off = try ProvisionerSettings.from(Environment([:]), hostName: "h").images
        #expect(off == ImageSettings(resolve: false, interval: 300, maxRollsPerPass: 10, insecureRegistries: []))
        let on = try ProvisionerSettings.from(Environment(["RESOLVE_IMAGE_DIGESTS": "true", "IMAGE_RESOLVE_INTERVAL": "60",
                                                           "MAX_IMAGE_ROLLS_PER_PASS": "3", "INSECURE_REGISTRIES": " registry.local:5000 ,localhost:5001,"]),
                                              hostName: "h")
        #expect(on.images == ImageSettings(resolve: true, interval: 60, maxRollsPerPass: 3, insecureRegistries: ["registry.local:5000", "localhost:5001"]))
        #expect(on.logMetadata["insecure_registries"] == "localhost:5001,registry.local:5000")
        let error = #expect(throws: ConfigError.self) {
            try ProvisionerSettings.from(Environment(["INSECURE_REGISTRIES": "https://registry.local"]), hostName: "h")
        }
        #expect(error?.problem.contains("without a scheme or path") == true)
    }

    @Test func restartDelayMaxBelowDelayIsRejected() {
        #expect(throws: ConfigError.self) {
            try ProvisionerSettings.from(Environment(["RESTART_DELAY": "600", "RESTART_DELAY_MAX": "60"]), hostName: "h")
        }
    }
}

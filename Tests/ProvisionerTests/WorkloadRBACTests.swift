import Common
import Foundation
import Postgres
import TestSupport
import Testing

/// The Roles of deploy/overlays/deployments and deploy/overlays/cronjobs are sufficient and
/// minimal, as `RBACTests` shows for the Job install: one scenario per kind uses every permission
/// without a 403, and each verb dropped in turn leaves something the provisioner must do undone.
@Suite struct WorkloadRBACTests {
    typealias P = RBACTests.Permission

    static let deploymentCases: [String] = [
        "apps/deployments/get", "apps/deployments/list", "apps/deployments/watch", "apps/deployments/create",
        "apps/deployments/update", "apps/deployments/delete", "core/pods/list",
        "coordination.k8s.io/leases/get", "coordination.k8s.io/leases/create", "coordination.k8s.io/leases/update",
    ]
    static let cronJobCases: [String] = [
        "batch/cronjobs/get", "batch/cronjobs/list", "batch/cronjobs/watch", "batch/cronjobs/create",
        "batch/cronjobs/update", "batch/cronjobs/delete", "batch/jobs/list", "batch/jobs/watch",
        "core/pods/list", "core/pods/log/get", "core/events/create",
        "coordination.k8s.io/leases/get", "coordination.k8s.io/leases/create", "coordination.k8s.io/leases/update",
    ]

    @Test func everyGrantedVerbHasACase() async throws {
        #expect(RBACTests.permissions(of: try await ServiceAccounts.provisionerRole(DeployManifests.deployments))
                == Set(Self.deploymentCases.map(RBACTests.permission)))
        #expect(RBACTests.permissions(of: try await ServiceAccounts.provisionerRole(DeployManifests.cronJobs))
                == Set(Self.cronJobCases.map(RBACTests.permission)))
    }

    /// The overlays change the Role and the template only: bound to the same account, nothing
    /// cluster-wide, no Secret.
    @Test(arguments: [DeployManifests.deployments, DeployManifests.cronJobs])
    func theOverlayKeepsTheBindingAndGrantsNoSecret(directory: String) async throws {
        let rendered = try await DeployManifests.rendered(directory, namespace: "tenants")
        let role = try rendered.object(kind: "Role", name: "tenant-provisioner")
        #expect(try rendered.object(kind: "RoleBinding", name: "tenant-provisioner")["roleRef"]?["name"] == "tenant-provisioner")
        #expect(!rendered.objects.contains { $0["kind"] == "ClusterRole" || $0["kind"] == "ClusterRoleBinding" })
        #expect(!RBACTests.permissions(of: role).contains { $0.resource == "secrets" || $0.verb == "*" || $0.resource == "*" })
    }

    /// The provisioner's token now holds `install`'s Role less `dropped`.
    static func grantRole(of install: String, without dropped: P, on f: ProvisionerFixture) async throws {
        let reduced = RBACTests.role(try await ServiceAccounts.provisionerRole(install), without: dropped)
        try await f.emulator.addToken("provisioner-sa-token", user: ServiceAccounts.provisionerUser, role: reduced)
    }

    static func expectNothingRefused(_ f: ProvisionerFixture) async throws {
        let refused = try await f.emulator.requests().log.filter { $0.user == ServiceAccounts.provisionerUser && $0.code == 403 }
        #expect(refused.isEmpty, "refused: \(refused.map { "\($0.method) \($0.path)" })")
    }

    // MARK: Deployments

    /// A previous leader's expired Lease (taking it over needs update), unless the case is the
    /// Lease's create.
    static func leaseToTakeOver(_ f: ProvisionerFixture, _ name: String?) async throws {
        guard name != "coordination.k8s.io/leases/create" else { return }
        #expect(try await f.kubectl(["create"], input: RBACTests.expiredLease("tenant-provisioner-default")).code == 0)
    }

    static func deploymentScenario(_ f: ProvisionerFixture, case name: String? = nil) async throws -> RunningProvisioner {
        try await leaseToTakeOver(f, name)
        let held = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: worker-taken
            spec:
              selector:
                matchLabels:
                  app: other
              template:
                metadata:
                  labels:
                    app: other
                spec:
                  containers:
                    - name: main
                      image: other:1

            """
        #expect(try await f.kubectl(["create"], input: held).code == 0)
        try await f.insertAccount("acme", config: DeploymentKindTests.crashing)
        for id in ["taken", "retired", "changed"] { try await f.insertAccount(id, config: DeploymentKindTests.healthy) }
        return try f.start([], ["LEADER_ELECTION": "true", "POD_NAME": "provisioner-rbac", "POLL_INTERVAL": "1"])
    }

    /// The changes that need update and delete, once the Deployments exist.
    static func changeAccounts(_ f: ProvisionerFixture, _ p: RunningProvisioner) async throws {
        try await eventually("retired's and changed's Deployments", timeout: 30, log: p.logTail) {
            let names = Set(try await DeploymentKindTests.deployments(f).keys)
            return names.isSuperset(of: ["worker-retired", "worker-changed"])
        }
        try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'retired'")
        try await f.execute("UPDATE accounts SET config = jsonb_set(config, '{tag}', '\"v2\"') WHERE account_id = 'changed'")
    }

    static func image(_ f: ProvisionerFixture, _ name: String) async throws -> JSONValue? {
        try await DeploymentKindTests.deployments(f)[name]?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"]
    }

    @Test func theDeploymentProvisionerDoesEverythingWithItsRole() async throws {
        try await ProvisionerFixture.with(template: DeploymentKindTests.template, install: DeployManifests.deployments) { f in
            let p = try await Self.deploymentScenario(f)
            try await Self.changeAccounts(f, p)
            try await eventually("retired's Deployment deleted, changed's rolled", timeout: 30, log: p.logTail) {
                let deployments = try await DeploymentKindTests.deployments(f)
                return deployments["worker-retired"] == nil && deployments["worker-changed"]?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"] == "worker:v2"
            }
            try await eventually("the conflict and the stuck rollout reported", timeout: 30, log: p.logTail) {
                let taken = try await f.status("taken")?.message
                let acme = try await f.status("acme")?.message
                return taken?.contains("not managed") == true && acme?.contains("container main of pod") == true
            }
            try await Self.expectNothingRefused(f)
        }
    }

    @Test(arguments: WorkloadRBACTests.deploymentCases)
    func theDeploymentProvisionerFailsWithoutEachVerb(_ name: String) async throws {
        let dropped = RBACTests.permission(name)
        try await ProvisionerFixture.with(template: DeploymentKindTests.template, install: DeployManifests.deployments) { f in
            try await Self.grantRole(of: DeployManifests.deployments, without: dropped, on: f)
            let p = try await Self.deploymentScenario(f, case: name)
            if ["apps/deployments/update", "apps/deployments/delete", "apps/deployments/get"].contains(name) { try await Self.changeAccounts(f, p) }
            try await RBACTests.waitForbidden(f, dropped, user: ServiceAccounts.provisionerUser, log: p.logTail)
            switch name {
            case "apps/deployments/get":
                // Neither who holds a name nor the resourceVersion of an update can be read.
                #expect(try await f.status("taken")?.message?.contains("not managed") != true)
                #expect(try await Self.image(f, "worker-changed") == "worker:v1")
            case "apps/deployments/list":
                #expect(try await DeploymentKindTests.deployments(f)["worker-acme"] == nil, "nothing without the list")
                #expect(await p.get("/readyz")?.status != 200)
            case "apps/deployments/watch":
                try await eventually("a relist after the refused watch", log: p.logTail) {
                    try await f.emulator.requests().log.filter { $0.user == ServiceAccounts.provisionerUser && $0.verb == "list" && $0.resource == "deployments" }.count >= 2
                }
            case "apps/deployments/create":
                #expect(try await DeploymentKindTests.deployments(f)["worker-acme"] == nil)
                try await eventually("the refusal in the account's status", log: p.logTail) { try await f.status("acme")?.message?.contains("forbidden") == true }
            case "apps/deployments/update":
                #expect(try await Self.image(f, "worker-changed") == "worker:v1", "a changed account is not rolled")
                try await eventually("the refusal in the account's status", log: p.logTail) { try await f.status("changed")?.message?.contains("forbidden") == true }
            case "apps/deployments/delete":
                #expect(try await DeploymentKindTests.deployments(f)["worker-retired"] != nil, "an inactive account's Deployment stays")
            case "core/pods/list":
                try await eventually("the stuck rollout reported", timeout: 30, log: p.logTail) { try await f.status("acme")?.phase == "failed" }
                #expect(try await f.status("acme")?.message?.contains("container main") == false, "without its pods, no crash loop detail")
            default:  // the Lease: never leads, so never acts
                #expect(try await DeploymentKindTests.deployments(f)["worker-acme"] == nil, "a replica that cannot lead does nothing")
                #expect(try await f.audit().isEmpty)
            }
        }
    }

    // MARK: CronJobs

    static func cronJobScenario(_ f: ProvisionerFixture, case name: String? = nil) async throws -> RunningProvisioner {
        try await leaseToTakeOver(f, name)
        let held = """
            apiVersion: batch/v1
            kind: CronJob
            metadata:
              name: sync-taken
            spec:
              schedule: "0 0 1 1 *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                        - name: main
                          image: other:1

            """
        #expect(try await f.kubectl(["create"], input: held).code == 0)
        try await f.emulator.setClock(CronJobKindTests.start)
        try await f.insertAccount("acme", config: CronJobKindTests.failing)
        for id in ["taken", "retired", "changed"] { try await f.insertAccount(id, config: CronJobKindTests.succeeding) }
        return try f.start([], ["LEADER_ELECTION": "true", "POD_NAME": "provisioner-rbac", "POLL_INTERVAL": "1"])
    }

    static func cronJobs(_ f: ProvisionerFixture) async throws -> [String: JSONValue] {
        try await CronJobKindTests.objects(f, "cronjobs")
    }

    /// acme's run fails at 05:00; retired and changed change once their CronJobs exist.
    static func runAndChange(_ f: ProvisionerFixture, _ p: RunningProvisioner) async throws {
        try await eventually("acme's, retired's and changed's CronJobs", timeout: 30, log: p.logTail) {
            Set(try await Self.cronJobs(f).keys).isSuperset(of: ["sync-acme", "sync-retired", "sync-changed"])
        }
        try await f.emulator.advanceClock(seconds: 60)
        try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'retired'")
        try await f.execute("UPDATE accounts SET config = jsonb_set(config, '{tag}', '\"v2\"') WHERE account_id = 'changed'")
    }

    static func cronImage(_ f: ProvisionerFixture, _ name: String) async throws -> JSONValue? {
        try await Self.cronJobs(f)[name]?["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"]
    }

    @Test func theCronJobProvisionerDoesEverythingWithItsRole() async throws {
        try await ProvisionerFixture.with(template: CronJobKindTests.template, install: DeployManifests.cronJobs) { f in
            let p = try await Self.cronJobScenario(f)
            try await Self.runAndChange(f, p)
            try await eventually("acme's failed run recorded with its log, an Event on it", timeout: 30, log: p.logTail) {
                let recorded = try await f.failures("acme").contains { $0.logTail?.contains("upstream refused") == true }
                let events = try await f.events(about: "sync-acme-\(Int(CronJobKindTests.start.timeIntervalSince1970 + 60) / 60)", reason: "NotRestarted")
                return recorded && !events.isEmpty
            }
            try await eventually("retired's CronJob deleted, changed's updated, the conflict reported", timeout: 30, log: p.logTail) {
                let retired = try await Self.cronJobs(f)["sync-retired"]
                let image = try await Self.cronImage(f, "sync-changed")
                let taken = try await f.status("taken")?.message
                return retired == nil && image == "sync:v2" && taken?.contains("not managed") == true
            }
            try await Self.expectNothingRefused(f)
        }
    }

    @Test(arguments: WorkloadRBACTests.cronJobCases)
    func theCronJobProvisionerFailsWithoutEachVerb(_ name: String) async throws {
        let dropped = RBACTests.permission(name)
        try await ProvisionerFixture.with(template: CronJobKindTests.template, install: DeployManifests.cronJobs) { f in
            try await Self.grantRole(of: DeployManifests.cronJobs, without: dropped, on: f)
            let p = try await Self.cronJobScenario(f, case: name)
            let needsCronJobs = ["batch/cronjobs/get", "batch/cronjobs/update", "batch/cronjobs/delete", "batch/jobs/watch",
                                 "core/pods/list", "core/pods/log/get", "core/events/create"]
            if needsCronJobs.contains(name) { try await Self.runAndChange(f, p) }
            try await RBACTests.waitForbidden(f, dropped, user: ServiceAccounts.provisionerUser, log: p.logTail)
            switch name {
            case "batch/cronjobs/get":
                #expect(try await f.status("taken")?.message?.contains("not managed") != true)
                #expect(try await Self.cronImage(f, "sync-changed") == "sync:v1")
            case "batch/cronjobs/list":
                #expect(try await Self.cronJobs(f)["sync-acme"] == nil, "nothing without the list")
                #expect(await p.get("/readyz")?.status != 200)
            case "batch/cronjobs/watch", "batch/jobs/watch":
                let resource = dropped.resource
                try await eventually("a relist after the refused watch", log: p.logTail) {
                    try await f.emulator.requests().log.filter { $0.user == ServiceAccounts.provisionerUser && $0.verb == "list" && $0.resource == resource }.count >= 2
                }
            case "batch/cronjobs/create":
                #expect(try await Self.cronJobs(f)["sync-acme"] == nil)
                try await eventually("the refusal in the account's status", log: p.logTail) { try await f.status("acme")?.message?.contains("forbidden") == true }
            case "batch/cronjobs/update":
                #expect(try await Self.cronImage(f, "sync-changed") == "sync:v1", "a changed account's CronJob is not updated")
                try await eventually("the refusal in the account's status", log: p.logTail) { try await f.status("changed")?.message?.contains("forbidden") == true }
            case "batch/cronjobs/delete":
                #expect(try await Self.cronJobs(f)["sync-retired"] != nil, "an inactive account's CronJob stays")
            case "batch/jobs/list":
                // The runs cannot be listed: no pass plans, so nothing is created at all.
                #expect(try await Self.cronJobs(f)["sync-acme"] == nil)
                #expect(await p.get("/readyz")?.status != 200)
            case "core/pods/list":
                #expect(try await f.failures("acme").isEmpty, "a failed run is not recorded without its pods")
            case "core/pods/log/get":
                try await eventually("acme's failed run recorded", timeout: 30, log: p.logTail) { try await !f.failures("acme").isEmpty }
                #expect(try await f.failures("acme").allSatisfy { ($0.logTail ?? "").isEmpty }, "no log tail")
            case "core/events/create":
                try await eventually("acme's failed run recorded", timeout: 30, log: p.logTail) { try await !f.failures("acme").isEmpty }
                #expect(try await f.events(about: "sync-acme-\(Int(CronJobKindTests.start.timeIntervalSince1970 + 60) / 60)", reason: "NotRestarted").isEmpty)
            default:  // the Lease: never leads, so never acts
                #expect(try await Self.cronJobs(f)["sync-acme"] == nil, "a replica that cannot lead does nothing")
                #expect(try await f.audit().isEmpty)
            }
        }
    }
}

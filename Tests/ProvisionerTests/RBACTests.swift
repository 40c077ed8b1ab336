import Common
import Foundation
import Postgres
import TestSupport
import Testing

/// The Roles in deploy/ are sufficient and minimal (issue 12). Sufficient: every end-to-end test
/// runs the provisioner and the restarter with exactly the rendered Role (`ServiceAccounts`),
/// and the two full scenarios below use every permission without one 403. Minimal: each verb is
/// dropped in turn, and the scenario shows the request refused and something the product must
/// do left undone. A verb added to a Role without a case here fails `everyGrantedVerbHasACase`.
@Suite struct RBACTests {
    /// One verb on one resource, as `group/resource/verb` ("" is the core group).
    struct Permission: Hashable, CustomStringConvertible, Sendable {
        let group: String
        let resource: String
        let verb: String
        var description: String { "\(group.isEmpty ? "core" : group)/\(resource)/\(verb)" }

        init(_ group: String, _ resource: String, _ verb: String) {
            self.group = group
            self.resource = resource
            self.verb = verb
        }
    }

    static func permissions(of role: JSONValue) -> Set<Permission> {
        var all = Set<Permission>()
        for rule in role["rules"]?.arrayValue ?? [] {
            for group in rule["apiGroups"]?.arrayValue ?? [] {
                for resource in rule["resources"]?.arrayValue ?? [] {
                    for verb in rule["verbs"]?.arrayValue ?? [] {
                        all.insert(Permission(group.stringValue ?? "", resource.stringValue ?? "", verb.stringValue ?? ""))
                    }
                }
            }
        }
        return all
    }

    /// `role` with `dropped` taken out (a rule left without verbs or resources goes).
    static func role(_ role: JSONValue, without dropped: Permission) -> JSONValue {
        var rules: [JSONValue] = []
        for rule in role["rules"]?.arrayValue ?? [] {
            let groups = rule["apiGroups"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let resources = rule["resources"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let verbs = rule["verbs"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard groups.contains(dropped.group), resources.contains(dropped.resource), verbs.contains(dropped.verb) else {
                rules.append(rule)
                continue
            }
            // Split the rule: the dropped resource keeps its other verbs, the others keep all.
            let others = resources.filter { $0 != dropped.resource }
            if !others.isEmpty {
                rules.append(["apiGroups": .array(groups.map { .string($0) }), "resources": .array(others.map { .string($0) }),
                              "verbs": .array(verbs.map { .string($0) })])
            }
            let kept = verbs.filter { $0 != dropped.verb }
            if !kept.isEmpty {
                rules.append(["apiGroups": .array(groups.map { .string($0) }), "resources": [.string(dropped.resource)],
                              "verbs": .array(kept.map { .string($0) })])
            }
        }
        var reduced = role
        reduced["rules"] = .array(rules)
        return reduced
    }

    static let provisionerCases: [String] = [
        "batch/jobs/get", "batch/jobs/list", "batch/jobs/watch", "batch/jobs/create", "batch/jobs/delete",
        "core/pods/list", "core/pods/log/get", "core/events/create",
        "coordination.k8s.io/leases/get", "coordination.k8s.io/leases/create", "coordination.k8s.io/leases/update",
    ]
    static let restarterCases: [String] = [
        "batch/jobs/get", "batch/jobs/list", "batch/jobs/watch", "batch/jobs/create", "batch/jobs/delete",
        "core/pods/list", "core/pods/log/get", "core/events/create",
        "core/configmaps/get", "core/configmaps/list", "core/configmaps/create", "core/configmaps/update", "core/configmaps/delete",
        "coordination.k8s.io/leases/get", "coordination.k8s.io/leases/create", "coordination.k8s.io/leases/update",
    ]

    static func permission(_ name: String) -> Permission {
        let parts = name.split(separator: "/").map(String.init)
        let group = parts[0] == "core" ? "" : parts[0]
        return Permission(group, parts[1..<(parts.count - 1)].joined(separator: "/"), parts[parts.count - 1])
    }

    @Test func everyGrantedVerbHasACase() async throws {
        #expect(Self.permissions(of: try await ServiceAccounts.provisionerRole()) == Set(Self.provisionerCases.map(Self.permission)))
        #expect(Self.permissions(of: try await ServiceAccounts.restarterRole()) == Set(Self.restarterCases.map(Self.permission)))
    }

    /// The Roles are bound to the service accounts the Deployments run as, in their namespace,
    /// and grant nothing cluster-wide and no Secret.
    @Test(arguments: [(DeployManifests.install, "tenant-provisioner"), (DeployManifests.restarter, "tenant-restarter")])
    func theRoleIsBoundToTheDeploymentsServiceAccount(directory: String, deploymentName: String) async throws {
        let rendered = try await DeployManifests.rendered(directory, namespace: "tenants")
        let deployment = try rendered.object(kind: "Deployment", name: deploymentName)
        let account = try #require(deployment["spec"]?["template"]?["spec"]?["serviceAccountName"]?.stringValue)
        #expect(deployment["spec"]?["template"]?["spec"]?["automountServiceAccountToken"] != false)
        let binding = try rendered.object(kind: "RoleBinding")
        let role = try rendered.object(kind: "Role")
        #expect(binding["roleRef"]?["kind"] == "Role")
        #expect(binding["roleRef"]?["name"] == role["metadata"]?["name"])
        #expect(binding["subjects"] == [["kind": "ServiceAccount", "name": .string(account), "namespace": "tenants"]])
        #expect(role["metadata"]?["namespace"] == "tenants")
        #expect(try rendered.object(kind: "ServiceAccount", name: account)["metadata"]?["namespace"] == "tenants")
        #expect(!rendered.objects.contains { $0["kind"] == "ClusterRole" || $0["kind"] == "ClusterRoleBinding" })
        #expect(!Self.permissions(of: role).contains { $0.resource == "secrets" || $0.verb == "*" || $0.resource == "*" })
    }

    /// The admin API (issue 13) runs with no Kubernetes access at all: its own ServiceAccount,
    /// no token mounted, no binding of any Role to it.
    @Test func theAdminAPIHasNoKubernetesAccess() async throws {
        let rendered = try await DeployManifests.rendered(DeployManifests.install, namespace: "tenants")
        let admin = try rendered.object(kind: "Deployment", name: "tenant-admin")
        let pod = try #require(admin["spec"]?["template"]?["spec"])
        let account = try #require(pod["serviceAccountName"]?.stringValue)
        #expect(account != "tenant-provisioner" && account != "default")
        #expect(pod["automountServiceAccountToken"] == false)
        #expect(try rendered.object(kind: "ServiceAccount", name: account)["automountServiceAccountToken"] == false)
        let bindings = rendered.objects.filter { $0["kind"] == "RoleBinding" || $0["kind"] == "ClusterRoleBinding" }
        #expect(!bindings.contains { $0["subjects"]?.arrayValue?.contains { $0["name"] == .string(account) } == true })
        let command = pod["containers"]?.arrayValue?.first?["command"]
        #expect(command == ["tenants", "serve"])
    }

    // MARK: the provisioner

    static let provisionerTemplate = ProvisionerFixture.template

    /// Sets the cluster and the database up for the provisioner scenario and starts it with
    /// leader election. `freshLease: false` leaves an expired Lease of a previous leader to take
    /// over (an update); `true` has no Lease at all (a create).
    static func startProvisionerScenario(_ f: ProvisionerFixture, freshLease: Bool) async throws -> RunningProvisioner {
        // A Job the provisioner does not manage, holding the name account "taken" needs.
        let held = """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: worker-taken
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: main
                      image: busybox:1.36

            """
        #expect(try await f.kubectl(["create"], input: held).code == 0)
        if !freshLease {
            #expect(try await f.kubectl(["create"], input: expiredLease("tenant-provisioner-default")).code == 0)
        }
        try await f.emulator.scriptOutcome(job: "worker-acme", outcome: [
            "result": "fail", "afterSeconds": 0.5, "exitCode": 137, "reason": "OOMKilled", "logs": ["loading", "out of memory"]])
        try await f.insertAccount("acme")
        try await f.insertAccount("taken")
        try await f.insertAccount("retired")
        return try f.start([], ["LEADER_ELECTION": "true", "POD_NAME": "provisioner-rbac", "RESTART_DELAY": "3600"])
    }

    /// A Lease its holder stopped renewing long ago; a candidate takes it over one lease duration
    /// (1 s) after it first sees it, as client-go does.
    static func expiredLease(_ name: String) -> String {
        """
        apiVersion: coordination.k8s.io/v1
        kind: Lease
        metadata:
          name: \(name)
        spec:
          holderIdentity: a-previous-pod
          leaseDurationSeconds: 1
          acquireTime: "2026-01-01T00:00:00.000000Z"
          renewTime: "2026-01-01T00:00:00.000000Z"

        """
    }

    @Test func theProvisionerDoesEverythingWithTheRoleAndNeverHearsForbidden() async throws {
        try await ProvisionerFixture.with { f in
            let r = try await Self.startProvisionerScenario(f, freshLease: false)
            try await eventually("acme's failure recorded with its pod and log", timeout: 30, log: r.logTail) {
                try await f.failures("acme").contains { $0.pod != nil && $0.logTail?.contains("out of memory") == true }
            }
            try await eventually("a Warning Event on the failed Job", log: r.logTail) {
                try await !f.events(about: "worker-acme", reason: "RestartScheduled").isEmpty
            }
            try await eventually("the name conflict reported", log: r.logTail) {
                try await f.status("taken")?.message?.contains("not managed") == true
            }
            try await eventually("retired's Job", log: r.logTail) { try await f.liveJobNames().contains("worker-retired") }
            try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'retired'")
            try await eventually("retired's Job deleted", log: r.logTail) { try await !f.jobNames().contains("worker-retired") }
            try await eventually("the Lease renewed by its holder", log: r.logTail) {
                try await f.emulator.requests().log.contains { $0.verb == "update" && $0.resource == "leases" && $0.code == 200 }
            }
            let log = try await f.emulator.requests()
            let refused = log.log.filter { $0.user == ServiceAccounts.provisionerUser && $0.code == 403 }
            #expect(refused.isEmpty, "refused: \(refused.map { "\($0.method) \($0.path)" })")
            #expect(try await Self.jobLists(f, user: ServiceAccounts.provisionerUser) == 1, "one list, then the watch")
            let usedItsAccount = log.log.contains { $0.user == ServiceAccounts.provisionerUser }
            #expect(usedItsAccount, "the provisioner used its service account")
        }
    }

    @Test(arguments: RBACTests.provisionerCases)
    func theProvisionerFailsWithoutEachVerb(_ name: String) async throws {
        let dropped = Self.permission(name)
        try await ProvisionerFixture.with { f in
            let reduced = Self.role(try await ServiceAccounts.provisionerRole(), without: dropped)
            try await f.emulator.addToken("provisioner-sa-token", user: ServiceAccounts.provisionerUser, role: reduced)
            let r = try await Self.startProvisionerScenario(f, freshLease: name == "coordination.k8s.io/leases/create")
            if name == "batch/jobs/delete" {
                try await eventually("retired's Job", log: r.logTail) { try await f.liveJobNames().contains("worker-retired") }
                try await f.execute("UPDATE accounts SET is_active = false WHERE account_id = 'retired'")
            }
            try await Self.waitForbidden(f, dropped, user: ServiceAccounts.provisionerUser, log: r.logTail)
            switch name {
            case "batch/jobs/get":
                // Who holds the name cannot be read: the conflict is not reported as the SPEC asks.
                #expect(try await f.status("taken")?.message?.contains("not managed") != true)
            case "batch/jobs/list":
                #expect(try await !f.jobNames().contains("worker-acme"), "no Job without the list of Jobs")
                #expect(await r.get("/readyz")?.status != 200)
            case "batch/jobs/watch":
                // Without a watch the cache can only relist, over and over: idle is not free.
                try await eventually("a relist after the refused watch", log: r.logTail) {
                    try await Self.jobLists(f, user: ServiceAccounts.provisionerUser) >= 2
                }
            case "batch/jobs/create":
                #expect(try await !f.jobNames().contains("worker-acme"))
                try await eventually("the refusal in the account's status", log: r.logTail) {
                    try await f.status("acme")?.message?.contains("forbidden") == true
                }
            case "batch/jobs/delete":
                #expect(try await f.liveJobNames().contains("worker-retired"), "an inactive account's Job stays")
            case "core/pods/list":
                #expect(try await f.failures("acme").isEmpty, "a failure is not recorded without its pods")
            case "core/pods/log/get":
                try await eventually("acme's failure recorded", log: r.logTail) { try await !f.failures("acme").isEmpty }
                #expect(try await f.failures("acme").allSatisfy { ($0.logTail ?? "").isEmpty }, "no log tail")
            case "core/events/create":
                #expect(try await f.events(about: "worker-acme").filter { $0["source"]?["component"] != "job-controller" }
                    .allSatisfy { $0["reason"] != "RestartScheduled" })
            default:  // the Lease: never leads, so never acts
                #expect(try await !f.jobNames().contains("worker-acme"), "a replica that cannot lead does nothing")
                #expect(try await f.audit().isEmpty)
            }
        }
    }

    // MARK: the restarter

    static let selector = "tenant-provisioner/restart=true"

    static func userJob(_ name: String) -> String {
        """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: \(name)
          labels:
            tenant-provisioner/restart: "true"
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: sync
                  image: busybox:1.36

        """
    }

    /// The restarter's memory ConfigMap of Job `job` (default Lease name).
    static func memoryName(_ job: String) -> String {
        let instance = String(SHA256.hex("tenant-restarter").prefix(12))
        return "restarter-\(job)-\(SHA256.hex(instance + "/" + job).prefix(8))"
    }

    static func configMap(_ f: ProvisionerFixture, _ name: String) async throws -> JSONValue? {
        try await f.emulator.objects(kind: "configmaps")["items"]?.arrayValue?.first { $0["metadata"]?["name"]?.stringValue == name }
    }

    /// Whether Job `job` is remembered: its ConfigMap carries the restarter's labels.
    static func remembered(_ f: ProvisionerFixture, _ job: String) async throws -> Bool {
        try await configMap(f, memoryName(job))?["metadata"]?["labels"]?["app.kubernetes.io/managed-by"] != nil
    }

    /// Which of sync-a and sync-b are remembered.
    static func rememberedJobs(_ f: ProvisionerFixture) async throws -> Set<String> {
        var jobs = Set<String>()
        for job in ["sync-a", "sync-b"] where try await remembered(f, job) { jobs.insert(job) }
        return jobs
    }

    static func failureRows(_ f: ProvisionerFixture, job: String) async throws -> [(pod: String?, logTail: String?)] {
        try await f.query("SELECT pod_name, log_tail FROM job_failures WHERE job_name = $1 ORDER BY id", [.text(job)]).map {
            (try $0.decode(0), try $0.decode(1))
        }
    }

    /// Jobs sync-a (fails, OOMKilled, after 1 s) and sync-b (runs), an unlabelled ConfigMap
    /// already holding sync-a's memory name (so saving it goes create → 409 → get → update), and
    /// the Lease as for the provisioner; starts the restarter with a database and a selector.
    static func startRestarterScenario(_ f: ProvisionerFixture, freshLease: Bool) async throws -> RunningProvisioner {
        if !freshLease {
            #expect(try await f.kubectl(["create"], input: expiredLease("tenant-restarter")).code == 0)
        }
        let leftover = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: \(memoryName("sync-a"))
            data:
              note: left behind

            """
        #expect(try await f.kubectl(["create"], input: leftover).code == 0)
        try await f.emulator.scriptOutcome(job: "sync-a", outcome: [
            "result": "fail", "afterSeconds": 1, "exitCode": 137, "reason": "OOMKilled", "logs": ["loading", "out of memory"]])
        try await f.emulator.scriptOutcome(job: "sync-b", outcome: ["result": "run"])
        #expect(try await f.kubectl(["create"], input: userJob("sync-a")).code == 0)
        #expect(try await f.kubectl(["create"], input: userJob("sync-b")).code == 0)
        return try f.startRestarter(database: true, ["JOB_SELECTOR": selector, "LEADER_ELECTION": "true", "POD_NAME": "restarter-rbac",
                                                     "SKIP_DELAY_ON_OOM": "true"])
    }

    @Test func theRestarterDoesEverythingWithTheRoleAndNeverHearsForbidden() async throws {
        try await ProvisionerFixture.with { f in
            let r = try await Self.startRestarterScenario(f, freshLease: false)
            let firstUID = try #require(try await f.uid("sync-a"))
            try await eventually("both Jobs remembered", log: r.logTail) {
                try await Self.rememberedJobs(f) == ["sync-a", "sync-b"]
            }
            try await eventually("sync-a restarted", timeout: 30, log: r.logTail) {
                guard let job = try await f.job("sync-a"), job["metadata"]?["deletionTimestamp"] == nil else { return false }
                return job["metadata"]?["uid"]?.stringValue != firstUID
            }
            let rows = try await Self.failureRows(f, job: "sync-a")
            #expect(rows.contains { $0.pod != nil && $0.logTail?.contains("out of memory") == true })
            #expect(try await f.events(about: "sync-a").contains { $0["reason"] == "Restarting" || $0["reason"] == "RestartScheduled" })
            #expect(try await f.kubectl(["delete", "job", "sync-b", "--cascade=foreground"]).code == 0)
            try await eventually("sync-b's memory removed with it", timeout: 20, log: r.logTail) {
                try await Self.configMap(f, Self.memoryName("sync-b")) == nil
            }
            let log = try await f.emulator.requests()
            let refused = log.log.filter { $0.user == ServiceAccounts.restarterUser && $0.code == 403 }
            #expect(refused.isEmpty, "refused: \(refused.map { "\($0.method) \($0.path)" })")
            #expect(try await Self.jobLists(f, user: ServiceAccounts.restarterUser) == 1, "one list, then the watch")
            #expect(log.log.contains { $0.user == ServiceAccounts.restarterUser && $0.verb == "update" && $0.resource == "configmaps" && $0.code == 200 })
            #expect(log.log.contains { $0.user == ServiceAccounts.restarterUser && $0.verb == "update" && $0.resource == "leases" && $0.code == 200 })
        }
    }

    @Test(arguments: RBACTests.restarterCases)
    func theRestarterFailsWithoutEachVerb(_ name: String) async throws {
        let dropped = Self.permission(name)
        try await ProvisionerFixture.with { f in
            let reduced = Self.role(try await ServiceAccounts.restarterRole(), without: dropped)
            try await f.emulator.addToken("restarter-sa-token", user: ServiceAccounts.restarterUser, role: reduced)
            let r = try await Self.startRestarterScenario(f, freshLease: name == "coordination.k8s.io/leases/create")
            let firstUID = try #require(try await f.uid("sync-a"))
            if name == "core/configmaps/delete" {
                try await eventually("sync-b remembered", log: r.logTail) { try await Self.remembered(f, "sync-b") }
                #expect(try await f.kubectl(["delete", "job", "sync-b", "--cascade=foreground"]).code == 0)
            }
            try await Self.waitForbidden(f, dropped, user: ServiceAccounts.restarterUser, log: r.logTail)
            switch name {
            case "batch/jobs/get", "core/configmaps/create":
                // The manifest cannot be read, or its memory not written: nothing to restart from.
                #expect(try await !Self.remembered(f, "sync-b"))
            case "batch/jobs/list":
                #expect(try await Self.rememberedJobs(f).isEmpty)
                #expect(await r.get("/readyz")?.status != 200)
            case "batch/jobs/watch":
                try await eventually("a relist after the refused watch", log: r.logTail) {
                    try await Self.jobLists(f, user: ServiceAccounts.restarterUser) >= 2
                }
            case "batch/jobs/create":
                // Deleted for the restart, then not created again.
                #expect(try await f.uid("sync-a") == nil, "the failed Job is gone and nothing replaced it")
            case "batch/jobs/delete":
                #expect(try await f.uid("sync-a") == firstUID, "the failed Job stays, not restarted")
            case "core/pods/list":
                #expect(try await Self.failureRows(f, job: "sync-a").isEmpty, "a failure is not recorded without its pods")
            case "core/pods/log/get":
                try await eventually("sync-a's failure recorded", log: r.logTail) { try await !Self.failureRows(f, job: "sync-a").isEmpty }
                #expect(try await Self.failureRows(f, job: "sync-a").allSatisfy { ($0.logTail ?? "").isEmpty }, "no log tail")
            case "core/events/create":
                #expect(try await f.events(about: "sync-a").allSatisfy { $0["reason"] != "Restarting" && $0["reason"] != "RestartScheduled" })
            case "core/configmaps/get", "core/configmaps/update":
                // The leftover ConfigMap cannot be taken over: sync-a is not remembered.
                #expect(try await !Self.remembered(f, "sync-a"))
            case "core/configmaps/list":
                #expect(try await Self.rememberedJobs(f).isEmpty, "no memory without reading it first")
            case "core/configmaps/delete":
                #expect(try await Self.configMap(f, Self.memoryName("sync-b")) != nil, "the memory of a Job gone for good stays behind")
            default:  // the Lease: never leads, so never acts
                #expect(try await Self.rememberedJobs(f).isEmpty, "a replica that cannot lead does nothing")
            }
        }
    }

    // MARK: helpers

    /// How many times `user` listed Jobs.
    static func jobLists(_ f: ProvisionerFixture, user: String) async throws -> Int {
        try await f.emulator.requests().log.filter { $0.user == user && $0.verb == "list" && $0.resource == "jobs" }.count
    }

    /// Waits until the emulator refused `permission` to `user` with 403.
    static func waitForbidden(_ f: ProvisionerFixture, _ permission: Permission, user: String, log: @autoclosure () -> String) async throws {
        try await eventually("403 for \(permission)", timeout: 30, log: log()) {
            try await f.emulator.requests().log.contains {
                $0.user == user && $0.code == 403 && $0.verb == permission.verb && $0.resource == permission.resource
            }
        }
    }
}

import Common
import Foundation
import Testing
@testable import TenantCore

/// SPEC "Image digests": new workloads are pinned to the latest digests; a moved tag rolls the
/// tenants at most `rollBudget` at a time, in account-id order, the others waiting with both
/// digests shown; a change of the spec takes the latest digests along unbudgeted.
@Suite struct PlannerImageRollTests {
    static let old = "sha256:" + String(repeating: "1", count: 64)
    static let new = "sha256:" + String(repeating: "2", count: 64)
    static let init1 = "sha256:" + String(repeating: "3", count: 64)
    static let worker = "docker.io/library/worker:1.4"
    static let busybox = "docker.io/library/busybox:1.36"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A Job or a Deployment with an init container and a container, both named by tag.
    static func template(_ kind: WorkloadKind = .job) -> JobTemplate {
        let header = kind == .deployment ? "apiVersion: apps/v1\nkind: Deployment" : "apiVersion: batch/v1\nkind: Job"
        let restartPolicy = kind == .deployment ? "" : "\n      restartPolicy: Never"
        return try! JobTemplate.parse(yaml: """
            \(header)
            metadata:
              name: tenant
            spec:
              template:
                spec:\(restartPolicy)
                  initContainers:
                    - name: init
                      image: busybox:1.36
                  containers:
                    - name: main
                      image: worker:1.4
                      args: ["{{ config.flag }}"]
            """, file: "t.yaml")
    }

    static func account(_ id: String, flag: String = "x", generation: Int64 = 1) -> Account {
        Account(id: id, isActive: true, config: ["flag": .string(flag)], generation: generation)
    }

    static func pins(worker: String?) -> ImagePins {
        var digests = [busybox: init1]
        digests[Self.worker] = worker
        return ImagePins(digests)
    }

    /// The workload as the watch shows it after the provisioner created it with `pins` (nil: pinning off).
    static func workload(_ account: Account, template: JobTemplate, pins: ImagePins?) -> ObservedJob {
        let job = try! template.render(account: account, namespace: "t", instance: "default", pins: pins)
        let metadata = job.manifest["metadata"]!
        return ObservedJob(name: job.name, uid: "uid-\(job.name)",
                           labels: StringPairs((metadata["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)),
                           annotations: StringPairs((metadata["annotations"]?.objectValue ?? [:]).compactMapValues(\.stringValue)),
                           creationTimestamp: now - 600)
    }

    static func plan(_ accounts: [Account], _ jobs: [ObservedJob], template: JobTemplate = template(), latest: ImagePins?, budget: Int = 10,
                     statuses: [String: AccountStatus]? = nil) -> Plan {
        let statuses = statuses ?? Dictionary(uniqueKeysWithValues: accounts.map { ($0.id, AccountStatus(accountID: $0.id, phase: .running)) })
        let policy = PlanPolicy(instance: "default", deleteBudget: 100, images: latest.map { ImagePolicy(latest: $0, rollBudget: budget) })
        return Planner.plan(accounts: accounts, jobs: jobs, statuses: statuses, template: template, namespace: "t", policy: policy, now: now)
    }

    @Test func aNewAccountsOrderIsPinnedToTheLatestDigests() {
        let latest = Self.pins(worker: Self.new)
        let plan = Self.plan([Self.account("a")], [], latest: latest, statuses: [:])
        guard case .create(let order, _, _)? = plan.actions.first else { Issue.record("\(plan.actions)"); return }
        #expect(order.pins == latest && !order.isImageRoll)
        let job = try! Self.template().render(order, namespace: "t", instance: "default")
        #expect(job.manifest["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?[0]["image"] == .string("worker:1.4@\(Self.new)"))
    }

    @Test func aWorkloadOnTheLatestDigestsIsLeftAlone() {
        let latest = Self.pins(worker: Self.new)
        let a = Self.account("a")
        #expect(Self.plan([a], [Self.workload(a, template: Self.template(), pins: latest)], latest: latest).actions.isEmpty)
        // Pinning off, a workload without pins: nothing either (the feature off is today's behaviour).
        #expect(Self.plan([a], [Self.workload(a, template: Self.template(), pins: nil)], latest: nil).actions.isEmpty)
    }

    @Test func aMovedTagRollsTheBudgetInAccountOrderAndShowsTheRestWaiting() throws {
        let ids = (1...7).map { String(format: "acct-%02d", $0) }.shuffled()
        let accounts = ids.map { Self.account($0) }
        let jobs = accounts.map { Self.workload($0, template: Self.template(), pins: Self.pins(worker: Self.old)) }
        let latest = Self.pins(worker: Self.new)
        let plan = Self.plan(accounts, jobs, latest: latest, budget: 3)

        let rolled = plan.actions.compactMap { action -> (String, JobOrder, String)? in
            if case .recreate(let old, let successor, let hash, let reason) = action { return (old.name, successor, reason + "|" + hash) }
            return nil
        }
        #expect(rolled.map(\.0) == ["tenant-acct-01", "tenant-acct-02", "tenant-acct-03"])
        for (_, successor, reason) in rolled {
            #expect(successor.isImageRoll && successor.pins == latest)
            #expect(successor.imageChanges == [ImageChange(image: Self.worker, from: Self.old, to: Self.new)])
            #expect(reason.hasPrefix("image roll (tag moved): \(Self.worker) \(Self.old) → \(Self.new)|"))
            let hash = String(reason.split(separator: "|").last!)
            #expect(hash == (try Self.template().render(successor, namespace: "t", instance: "default").specHash))
        }
        let waiting = plan.actions.compactMap { action -> (String, [ImageChange])? in
            if case .rollPending(let name, _, let changes) = action { return (name, changes) }
            return nil
        }
        #expect(waiting.map(\.0) == ["tenant-acct-04", "tenant-acct-05", "tenant-acct-06", "tenant-acct-07"])
        #expect(waiting.allSatisfy { $0.1 == [ImageChange(image: Self.worker, from: Self.old, to: Self.new)] })
        #expect(plan.actions.count == 7)
        // Both digests in what `provisioner plan` prints, and the counts in its summary.
        let text = plan.description
        #expect(text.contains("roll-pending  tenant-acct-04  account \"acct-04\": image roll waiting for MAX_IMAGE_ROLLS_PER_PASS (a later interval): \(Self.worker) \(Self.old) → \(Self.new)"))
        #expect(plan.summary.imageRolls == 3 && plan.summary.rollsPending == 4)
        #expect(text.contains("of these 3 image rolls (moved tags)") && text.contains("4 image rolls waiting (over MAX_IMAGE_ROLLS_PER_PASS)"))
    }

    @Test func anExhaustedBudgetRollsNothing() {
        let a = Self.account("a")
        let plan = Self.plan([a], [Self.workload(a, template: Self.template(), pins: Self.pins(worker: Self.old))], latest: Self.pins(worker: Self.new), budget: 0)
        #expect(plan.actions.map(\.verb) == ["roll-pending"])
    }

    /// Created while the registry had not answered (the tag as it was), or before pinning was
    /// turned on: the first digest known is a roll like any other, budgeted.
    @Test func aWorkloadCreatedWithTheTagRollsToTheDigestOnceKnown() {
        let a = Self.account("a")
        let job = Self.workload(a, template: Self.template(), pins: nil)
        let plan = Self.plan([a], [job], latest: Self.pins(worker: Self.new))
        guard case .recreate(_, let successor, _, _)? = plan.actions.first else { Issue.record("\(plan.actions)"); return }
        #expect(successor.isImageRoll)
        #expect(successor.imageChanges == [ImageChange(image: Self.busybox, from: nil, to: Self.init1), ImageChange(image: Self.worker, from: nil, to: Self.new)])
        // Nothing known yet: the tagged workload is in place.
        #expect(Self.plan([a], [job], latest: ImagePins()).actions.isEmpty)
    }

    /// The workload pins an image the latest digests do not name (the resolver has no digest
    /// for it): nothing to roll to, so neither a roll nor a recreate.
    @Test func anImageLatestDoesNotKnowIsNoRoll() {
        let a = Self.account("a")
        let job = Self.workload(a, template: Self.template(), pins: Self.pins(worker: Self.old))
        #expect(Self.plan([a], [job], latest: ImagePins([Self.busybox: Self.init1])).actions.isEmpty)
    }

    @Test func aDeploymentRollsInPlace() {
        let template = Self.template(.deployment)
        let a = Self.account("a")
        let plan = Self.plan([a], [Self.workload(a, template: template, pins: Self.pins(worker: Self.old))], template: template,
                             latest: Self.pins(worker: Self.new))
        guard case .update(_, let successor, _, let reason)? = plan.actions.first, plan.actions.count == 1 else { Issue.record("\(plan.actions)"); return }
        #expect(successor.isImageRoll && successor.pins == Self.pins(worker: Self.new))
        #expect(reason.hasPrefix("image roll (tag moved)"))
    }

    /// The account changed too: replaced for that reason, not counted as a roll (nothing would
    /// hold it back), and the successor takes the latest digests along.
    @Test func aSpecChangeTakesTheLatestDigestsAlongUnbudgeted() throws {
        let before = Self.account("a", flag: "x", generation: 1)
        let after = Self.account("a", flag: "y", generation: 2)
        let job = Self.workload(before, template: Self.template(), pins: Self.pins(worker: Self.old))
        let plan = Self.plan([after], [job], latest: Self.pins(worker: Self.new), budget: 0)
        guard case .recreate(_, let successor, let hash, let reason)? = plan.actions.first, plan.actions.count == 1 else { Issue.record("\(plan.actions)"); return }
        #expect(!successor.isImageRoll && successor.pins == Self.pins(worker: Self.new))
        #expect(successor.imageChanges == [ImageChange(image: Self.worker, from: Self.old, to: Self.new)])
        #expect(reason.hasPrefix("spec changed"))
        #expect(hash == (try Self.template().render(successor, namespace: "t", instance: "default").specHash))
    }

    /// The image-digests annotation edited by hand into something unreadable: the workload is
    /// taken as pinning nothing; its spec (pinned images) then differs from that render, which
    /// replaces it with the latest digests.
    @Test func anUnreadableAnnotationIsReplacedWithTheLatestDigests() {
        let a = Self.account("a")
        var job = Self.workload(a, template: Self.template(), pins: Self.pins(worker: Self.old))
        job.annotations[ManagedMetadata.imageDigestsAnnotation] = "garbage"
        let plan = Self.plan([a], [job], latest: Self.pins(worker: Self.new))
        guard case .recreate(_, let successor, _, _)? = plan.actions.first else { Issue.record("\(plan.actions)"); return }
        #expect(successor.pins == Self.pins(worker: Self.new))
    }

    /// The memo remembers hashes per render key, pins included: an account whose workload runs
    /// old digests is compared without rendering on the next pass too.
    @Test func theRenderKeyCarriesThePins() {
        let order = JobOrder(name: "n", account: Self.account("a"), pins: Self.pins(worker: Self.old))
        var other = order
        other.pins = Self.pins(worker: Self.new)
        #expect(order.key != other.key)
        other.pins = ImagePins()
        #expect(other.key == JobOrder(name: "n", account: Self.account("a")).key, "no pins and empty pins render the same")
    }
}

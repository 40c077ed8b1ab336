import Common
import Foundation
import Testing
@testable import TenantCore

@Suite struct JobIndexTests {
    static func job(_ name: String, account: String?, managed: Bool = true, instance: String = "default", uid: String = "u") -> ObservedJob {
        var labels: StringPairs = [:]
        if managed {
            labels[ManagedMetadata.managedByLabel] = ManagedMetadata.managedByValue
            labels[ManagedMetadata.instanceLabel] = instance
        }
        var annotations: StringPairs = [:]
        if let account { annotations[ManagedMetadata.accountIDAnnotation] = account }
        return ObservedJob(name: name, uid: uid, labels: labels, annotations: annotations)
    }

    @Test func updatedOneJobAtATimeItEqualsAFreshIndex() {
        var random = SplitMix64(seed: 42)
        var index = JobIndex(instance: "default")
        var truth: [String: ObservedJob] = [:]
        for step in 0..<3_000 {
            let name = "job-\(Int.random(in: 0..<60, using: &random))"
            if Int.random(in: 0..<4, using: &random) == 0 {
                index.remove(named: name)
                truth[name] = nil
            } else {
                // Modified Jobs may move between accounts, lose the annotation or stop being ours.
                let account: String? = Int.random(in: 0..<8, using: &random) == 0 ? nil : "acct-\(Int.random(in: 0..<15, using: &random))"
                var job = Self.job(name, account: account, managed: Int.random(in: 0..<6, using: &random) != 0,
                                   instance: Int.random(in: 0..<10, using: &random) == 0 ? "other" : "default", uid: "uid-\(step)")
                switch Int.random(in: 0..<4, using: &random) {
                case 0: job.completedAt = Date(timeIntervalSince1970: 1)
                case 1: job.failedAt = Date(timeIntervalSince1970: 1)
                case 2: job.deletionTimestamp = Date(timeIntervalSince1970: 1)
                default: break
                }
                index.upsert(job)
                truth[name] = job
            }
        }
        let fresh = JobIndex(instance: "default", jobs: truth.values)
        #expect(index == fresh)
        // MAX_RUNNING_JOBS counts this instance's unfinished Jobs (terminating ones too).
        #expect(index.unfinishedCount == truth.values.filter { $0.isManaged(instance: "default") && $0.completedAt == nil && $0.failedAt == nil }.count)
        #expect(index.unfinishedCount > 0 && index.unfinishedCount < truth.count, "the random walk leaves some of each")
        #expect(index.count == truth.count)
        for account in (0..<15).map({ "acct-\($0)" as String? }) + [nil] {
            let expected = truth.values.filter { $0.isManaged(instance: "default") && $0.accountID == account }.sorted { $0.name < $1.name }
            #expect(Array(index.managedJobs(ofAccount: account)) == expected)
        }
    }

    @Test func anUnmanagedHolderCountsOnlyForANameTheCacheDoesNotHold() {
        var index = JobIndex(instance: "default", jobs: [Self.job("tenant-a", account: "a")])
        index.unmanagedHolders = ["tenant-a": Self.job("tenant-a", account: nil, managed: false, uid: "foreign"),
                                  "tenant-b": Self.job("tenant-b", account: nil, managed: false, uid: "foreign-b")]
        #expect(index.job(named: "tenant-a")?.uid == "u")
        #expect(index.job(named: "tenant-b")?.uid == "foreign-b")
        #expect(index.managedJobs(ofAccount: "b").isEmpty)
    }

    @Test func ofTwoJobsWithOneNameTheFirstCounts() {
        let index = JobIndex(instance: "default", jobs: [Self.job("x", account: "a", uid: "first"), Self.job("x", account: "b", uid: "second")])
        #expect(index.job(named: "x")?.uid == "first")
        #expect(index.managedJobs(ofAccount: "b").isEmpty)
    }
}

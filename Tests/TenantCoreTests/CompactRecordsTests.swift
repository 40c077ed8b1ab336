import Common
import FoundationEssentials
import Testing
@testable import TenantCore

/// The memory-saving forms of per-account records behave like the plain fields they replace.
@Suite struct CompactRecordsTests {
    @Test func specDigestRoundTripsAndRefusesAnythingElse() throws {
        let hex = String(repeating: "0123456789abcdef", count: 4)
        let digest = try #require(SpecDigest(hex: hex))
        #expect(digest.hex == hex)
        #expect(digest.matches(hex))
        #expect(!digest.matches(hex.uppercased()), "a hash edited into capitals is a different annotation")
        #expect(!digest.matches(nil))
        #expect(SpecDigest(hex: String(hex.dropLast())) == nil)
        #expect(SpecDigest(hex: hex + "0") == nil)
        #expect(SpecDigest(hex: String(hex.dropLast()) + "g") == nil)
        #expect(SpecDigest(hex: String(repeating: "f", count: 64)) != digest)
    }

    @Test func aMemoRemembersHashesAsDigests() {
        var memo = PlanMemo()
        let key = RenderKey(generation: 3, memoryOverride: nil)
        _ = memo.entry(accountID: "a", prefix: "tenant")
        let hash = SHA256.hex("spec")
        memo.remember(hash, accountID: "a", key: key)
        #expect(memo.hash(accountID: "a", key: key) == hash)
        #expect(memo.hash(accountID: "a", key: RenderKey(generation: 4, memoryOverride: nil)) == nil)
        memo.remember("not a hash", accountID: "a", key: key)
        #expect(memo.hash(accountID: "a", key: key) == nil, "nothing is remembered that is not a digest")
    }

    @Test func observedJobEndingFieldsSetAndClear() {
        var job = ObservedJob(name: "j", uid: "u")
        let plain = job
        let at = Date(timeIntervalSince1970: 1_000)
        job.failedAt = at
        job.failedReason = "OOMKilled"
        #expect(job.failedAt == at && job.failedReason == "OOMKilled" && job.completedAt == nil)
        #expect(job != plain)
        #expect(plain.failedAt == nil, "a copy is not changed by its original")
        job.failedAt = nil
        job.failedReason = nil
        #expect(job == plain)
        #expect(ObservedJob(name: "j", uid: "u", deletionTimestamp: at) == { var j = plain; j.deletionTimestamp = at; return j }())
    }

    @Test func accountStatusRareFieldsSetAndClear() {
        var status = AccountStatus(accountID: "a", phase: .running)
        let plain = status
        status.consecutiveFailures = 2
        status.message = "held by another Job"
        status.memoryOverride = "2Gi"
        #expect(status.consecutiveFailures == 2 && status.message == "held by another Job" && status.memoryOverride == "2Gi")
        #expect(plain.consecutiveFailures == 0 && plain.message == nil)
        #expect(status == AccountStatus(accountID: "a", phase: .running, consecutiveFailures: 2, memoryOverride: "2Gi", message: "held by another Job"))
        status.consecutiveFailures = 0
        status.message = nil
        status.memoryOverride = nil
        #expect(status == plain)
    }

    @Test func accountDetailsSetAndClear() {
        var account = Account(id: "a")
        let plain = account
        #expect(account.config == .object([:]) && account.displayName == nil)
        account.displayName = "Acme"
        account.config = ["env": ["A": "1"]]
        #expect(account.displayName == "Acme" && account.config["env"]?["A"] == "1")
        #expect(plain.displayName == nil, "a copy is not changed by its original")
        #expect(account == Account(id: "a", displayName: "Acme", config: ["env": ["A": "1"]]))
        account.displayName = nil
        #expect(account.config["env"]?["A"] == "1", "clearing one keeps the other")
        account.config = .object([:])
        #expect(account == plain)
        #expect(Account(id: "a", config: .null).config == .null, "a null config is kept, not made {}")
    }
}

import Common
import Testing
@testable import TenantCore

@Suite struct JobNamingTests {
    // Expected hashes come from `printf '%s' ID | sha256sum | cut -c1-8`, not from our own SHA256.
    @Test(arguments: [
        ("12345", "tenant-12345", "12345"),
        ("acme", "tenant-acme", "acme"),
        ("a-b-c", "tenant-a-b-c", "a-b-c"),
        ("Acme", "tenant-acme-37036cd8", "acme-37036cd8"),
        ("jane.doe@example.com", "tenant-jane-doe-example-com-86e0b9e5", "jane-doe-example-com-86e0b9e5"),
        ("Émile", "tenant-mile-afb4b674", "mile-afb4b674"),
        ("!!!", "tenant-e84c538e", "e84c538e"),
    ])
    func nameFollowsTheSpec(id: String, name: String, suffix: String) {
        let result = JobNaming.name(prefix: "tenant", accountID: id)
        #expect(result.name == name)
        #expect(result.suffix == suffix)
    }

    @Test(arguments: [
        ("Acme Corp", "acme-corp"),
        ("--Foo__Bar--", "foo-bar"),
        ("ÉCOLE", "cole"),
        ("école", "cole"),
        ("straße", "stra-e"),
        ("\u{212A}elvin", "elvin"),   // Kelvin sign is not lowercased to ASCII k
        ("e\u{301}t\u{e9}", "e-t"),   // combining accent: scalars, not grapheme clusters
        ("日本", ""),
        ("", ""),
    ])
    func slugLowercasesASCIIOnlyAndDashesEverythingElse(id: String, slug: String) {
        #expect(JobNaming.slug(id) == slug)
    }

    @Test func sameSlugDifferentIdsGetDifferentNames() {
        let upper = JobNaming.name(prefix: "tenant", accountID: "Acme")
        let lower = JobNaming.name(prefix: "tenant", accountID: "acme")
        #expect(upper.name != lower.name)
        #expect(JobNaming.slug("Acme") == JobNaming.slug("acme"))
    }

    @Test func longIdIsCutToFitAndKeepsTheHash() {
        let id = String(repeating: "a", count: 253)
        let result = JobNaming.name(prefix: "tenant", accountID: id)
        #expect(result.name.utf8.count == 63)
        #expect(DNSName.isLabel(result.name))
        #expect(result.suffix.hasSuffix("-" + String(SHA256Hex.of(id).prefix(8))))
    }

    @Test func cutSlugDropsTrailingDash() {
        // prefix "tenant" leaves 63-7-9 = 47 characters of slug; make character 47 a dash.
        let id = String(repeating: "a", count: 46) + "-b" + String(repeating: "c", count: 30)
        let result = JobNaming.name(prefix: "tenant", accountID: id)
        #expect(result.suffix == String(repeating: "a", count: 46) + "-" + String(SHA256Hex.of(id).prefix(8)))
        #expect(DNSName.isLabel(result.name))
    }

    @Test func exactSlugThatDoesNotFitIsHashed() {
        let id = String(repeating: "x", count: 57)   // "tenant-" + 57 = 64 > 63
        let result = JobNaming.name(prefix: "tenant", accountID: id)
        #expect(result.name.utf8.count <= 63)
        #expect(result.suffix != id)
        let fits = String(repeating: "x", count: 56)
        #expect(JobNaming.name(prefix: "tenant", accountID: fits).suffix == fits)
    }

    @Test func longestPrefixStillLeavesRoomForTheHash() {
        let prefix = String(repeating: "p", count: JobNaming.maxPrefixLength)
        #expect(JobNaming.prefixProblem(prefix) == nil)
        let result = JobNaming.name(prefix: prefix, accountID: "Some Account")
        #expect(result.name.utf8.count == 63)
        #expect(result.suffix == String(SHA256Hex.of("Some Account").prefix(8)))
    }

    @Test(arguments: ["", "Tenant", "-tenant", "tenant-", "ten_ant", "tenant.x", String(repeating: "p", count: 55)])
    func badPrefixIsRejected(prefix: String) {
        #expect(JobNaming.prefixProblem(prefix) != nil)
    }

    @Test func randomIdsGiveValidDistinctNames() {
        var rng = SplitMix64(seed: 0x7e4a_7175)
        let alphabet: [Character] = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@+ !é日ß\u{212A}")
        var ids = Set<String>()
        while ids.count < 4000 {
            let length = 1 + Int(rng.next() % (rng.next() % 4 == 0 ? 253 : 12))
            ids.insert(String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
        }
        var seen: [String: String] = [:]
        for id in ids {
            for prefix in ["t", "tenant", String(repeating: "p", count: 54)] {
                let (name, suffix) = JobNaming.name(prefix: prefix, accountID: id)
                #expect(DNSName.isLabel(name), "\(name) from \(id)")
                #expect(DNSName.isLabel(suffix), "\(suffix) from \(id)")
                #expect(name == prefix + "-" + suffix)
                if prefix == "tenant" {
                    #expect(seen[name] == nil, "\(id) and \(seen[name] ?? "") share \(name)")
                    seen[name] = id
                }
            }
        }
        #expect(seen.count == ids.count)
    }
}

import Testing
@testable import Common

@Suite struct KubernetesNamesTests {
    @Test(arguments: ["a", "worker-acme", "0abc", String(repeating: "a", count: 63)])
    func validLabels(name: String) { #expect(DNSName.isLabel(name)) }

    @Test(arguments: ["", "-a", "a-", "A", "a_b", "a.b", String(repeating: "a", count: 64)])
    func invalidLabels(name: String) { #expect(!DNSName.isLabel(name)) }

    @Test func subdomains() {
        #expect(DNSName.isSubdomain("tenant-provisioner-default"))
        #expect(DNSName.isSubdomain("a.b.c"))
        #expect(!DNSName.isSubdomain("a..b"))
        #expect(!DNSName.isSubdomain("Tenant"))
    }

    @Test func labelValues() {
        #expect(LabelValue.isValid(""))
        #expect(LabelValue.isValid("Prod_1.eu-west"))
        #expect(!LabelValue.isValid("_x"))
        #expect(!LabelValue.isValid("a b"))
        #expect(!LabelValue.isValid(String(repeating: "x", count: 64)))
    }
}

import Common
import Testing
@testable import TenantCore

@Suite struct MemoryQuantityTests {
    @Test(arguments: [
        ("512Mi", Int64(536_870_912)),
        ("1Gi", 1_073_741_824),
        ("1G", 1_000_000_000),
        ("1500M", 1_500_000_000),
        ("134217728", 134_217_728),
        ("1.5Gi", 1_610_612_736),
        ("0.5Ki", 512),
        ("1e9", 1_000_000_000),
        ("128k", 128_000),
        ("0", 0),
        ("100m", 1),      // a fraction of a byte rounds up
        ("+2Mi", 2_097_152),
        ("7Ei", 8_070_450_532_247_928_832),
        ("1.0000001", 2), // any non-zero fraction rounds up…
        ("2.000", 2),     // …a zero one does not
        ("1n", 1),
        ("5E-3", 1),
        ("9223372036854775807", Int64.max),
    ])
    func quantityParsesToBytes(text: String, bytes: Int64) {
        #expect(MemoryQuantity(text)?.bytes == bytes)
    }

    @Test(arguments: ["", "Mi", "-1Gi", "1.2.3Mi", "1GB", "1 Gi x", "abc", "16Ei", "1e99", "1i", "9223372036854775807.5"])
    func invalidQuantityIsRejected(text: String) {
        #expect(MemoryQuantity(text) == nil)
    }

    @Test(arguments: [
        (Int64(536_870_912), "512Mi"),
        (1_073_741_824, "1Gi"),
        (1_000_000_000, "1G"),
        (1_500_000_000, "1500M"),
        (1536, "1536"),
        (1024, "1Ki"),
        (0, "0"),
        (1_500, "1500"),
    ])
    func quantityFormatsInItsShortestExactUnit(bytes: Int64, text: String) {
        #expect(MemoryQuantity(bytes: bytes).description == text)
    }

    @Test(arguments: ["512Mi", "1Gi", "1G", "1500M", "123456789"])
    func formattedQuantityParsesBack(text: String) throws {
        let quantity = try #require(MemoryQuantity(text))
        #expect(MemoryQuantity(quantity.description) == quantity)
    }

    @Test(arguments: [
        ("512Mi", 1.5, "4Gi", "768Mi"),
        ("1Gi", 2.0, "4Gi", "2Gi"),
        ("3Gi", 2.0, "4Gi", "4Gi"),          // capped
        ("1500M", 2.0, "8Gi", "2862Mi"),     // 3000M rounded up to a whole Mi
    ])
    func escalationMultipliesRoundsUpAndCaps(current: String, factor: Double, max: String, expected: String) throws {
        let next = MemoryQuantity.escalate(current: try #require(MemoryQuantity(current)), factor: factor, max: try #require(MemoryQuantity(max)))
        #expect(next?.description == expected)
    }

    @Test(arguments: [("4Gi", 2.0), ("8Gi", 2.0), ("1Gi", 1.0), ("1Gi", 0.5)])
    func noEscalationAtTheCapOrWithoutGrowth(current: String, factor: Double) throws {
        #expect(MemoryQuantity.escalate(current: try #require(MemoryQuantity(current)), factor: factor, max: try #require(MemoryQuantity("4Gi"))) == nil)
    }

    @Test func largestContainerMemoryReadsLimitsThenRequests() {
        let manifest: JSONValue = ["spec": ["template": ["spec": ["containers": [
            ["name": "a", "resources": ["limits": ["memory": "256Mi"], "requests": ["memory": "1Gi"]]],
            ["name": "b", "resources": ["requests": ["memory": "512Mi"]]],
            ["name": "c"],
        ]]]]]
        #expect(MemoryQuantity.largestContainerMemory(in: manifest) == MemoryQuantity("512Mi"))
        #expect(MemoryQuantity.largestContainerMemory(in: ["spec": [:]]) == nil)
    }
}

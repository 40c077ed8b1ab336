import Testing
@testable import Common

@Suite struct SHA256Tests {
    // Test vectors from FIPS 180-4 examples and NIST CAVP.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("The quick brown fox jumps over the lazy dog", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"),
    ])
    func knownDigests(input: String, expected: String) {
        #expect(SHA256.hex(input) == expected)
    }

    @Test func millionAs() {
        var h = SHA256()
        h.update([UInt8](repeating: 0x61, count: 1_000_000))
        #expect(SHA256.hexString(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalEqualsOneShot() {
        let text = String(repeating: "tenant-provisioner ", count: 50)
        var h = SHA256()
        for chunk in text.split(separator: " ", omittingEmptySubsequences: false) { h.update(chunk.utf8); h.update(" ".utf8) }
        #expect(SHA256.hexString(h.finalize()) == SHA256.hex(text + " "))
    }
}

@Suite struct SHA256ChunkingTests {
    @Test(arguments: [1, 7, 63, 64, 65, 130])
    func anyChunkSizeGivesTheOneShotDigest(chunk: Int) {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var h = SHA256()
        var i = 0
        while i < data.count {
            h.update(data[i..<min(i + chunk, data.count)])
            i += chunk
        }
        #expect(SHA256.hexString(h.finalize()) == SHA256.hex(data))
    }
}

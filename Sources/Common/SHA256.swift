import CCrypto

/// SHA-256 (FIPS 180-4) from OpenSSL's libcrypto, which every binary of ours already loads
/// through libpq and libcurl: migration checksums, spec hashes, name suffixes, token digests.
public enum SHA256 {
    /// The 32-byte digest of some bytes.
    public static func digest<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        if let digest = bytes.withContiguousStorageIfAvailable({ oneShot(UnsafeRawBufferPointer($0)) }) { return digest }
        return Array(bytes).withUnsafeBytes(oneShot)
    }

    /// Lowercase hex digest of some bytes.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hexString(digest(bytes))
    }

    public static func hex(_ text: String) -> String { hex(text.utf8) }

    public static func hexString(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(digest.count * 2)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func oneShot(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { digest in
            EVP_Digest(input.baseAddress, input.count, digest.baseAddress, &length, EVP_sha256(), nil)
        }
        // Only a broken libcrypto fails here (no allocation of note, no engine); nothing sane follows it.
        precondition(ok == 1 && length == 32, "libcrypto's SHA-256 failed")
        return out
    }
}

import Synchronization
import CCurl
import FoundationEssentials

/// Owns one libcurl easy handle. A handle keeps its own cache of open connections, so reusing
/// handles (see `EasyHandlePool`) reuses keep-alive connections to the API server.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer

    init() {
        guard let h = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        raw = h
    }

    deinit { curl_easy_cleanup(raw) }

    /// Clears every option of the previous request but keeps the connection cache.
    func reset() { curl_easy_reset(raw) }

    func set(_ option: CURLoption, _ value: Int) { tp_curl_setopt_long(raw, option, value) }
    func set(_ option: CURLoption, _ value: String) { tp_curl_setopt_string(raw, option, value) }
    func set(_ option: CURLoption, blob: Data) {
        blob.withUnsafeBytes { bytes in _ = tp_curl_setopt_blob(raw, option, bytes.baseAddress, bytes.count) }
    }

    /// Connections the last transfer had to open (0 when it reused one).
    var newConnections: Int {
        var count: Int = 0
        tp_curl_getinfo_long(raw, CURLINFO_NUM_CONNECTS, &count)
        return count
    }

    var responseCode: Int {
        var code: Int = 0
        tp_curl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &code)
        return code
    }
}

/// Idle easy handles waiting for the next request. At most `capacity` are kept; the rest are freed.
final class EasyHandlePool: Sendable {
    private let idle = Mutex<[SendableHandle]>([])
    private let capacity: Int

    /// A handle moves between threads but is used by one at a time: taken from the pool by the
    /// thread that performs a transfer and returned when the transfer ends.
    struct SendableHandle: @unchecked Sendable { let handle: CurlEasyHandle }

    init(capacity: Int) { self.capacity = capacity }

    func take() -> CurlEasyHandle {
        idle.withLock { $0.popLast()?.handle } ?? CurlEasyHandle()
    }

    func put(_ handle: CurlEasyHandle) {
        let wrapped = SendableHandle(handle: handle)
        idle.withLock { if $0.count < capacity { $0.append(wrapped) } }
    }
}

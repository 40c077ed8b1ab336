import Common
import CCurl
import FoundationEssentials
import Synchronization

/// Sends one request and brings back whatever HTTP answer came (any status code); throws only
/// when there was no answer. `KubeTransport` over libcurl; tests give `KubeClient` a stand-in.
public protocol KubeRequestPerformer: Sendable {
    func perform(_ request: KubeRequest) async throws(KubeError) -> KubeResponse
}

/// Sends one `KubeRequest` over libcurl, once (retries, rate limiting and metrics are
/// `KubeClient`'s), outside Swift's cooperative pool: ordinary requests all on one thread with
/// libcurl's multi interface (`CurlMultiLoop`; it beat a pool of 32 threads in
/// curl_easy_perform on memory at equal speed, docs/benchmark.md), each watch on a thread of its
/// own in `curl_easy_perform` (a watch decodes its events as they arrive, which would hold up
/// every other transfer on the shared thread). Easy handles are pooled to save their setup.
public final class KubeTransport: Sendable {
    public let config: KubeConfig
    /// Total time a non-watch request may take before it fails with a transport error.
    public let requestTimeout: Double
    private let pool = EasyHandlePool(capacity: 16)
    /// Every ordinary request, driven from one thread. Up to 32 connections: twice the
    /// provisioner's 16 workers, so Lease renewals, Events and pod logs never wait behind a full
    /// set of slow creates on an HTTP/1.1 server (over HTTP/2 they share one connection).
    private let requestLoop = CurlMultiLoop(name: "kube-requests", maxConnections: 32)
    private let tls: TLSMaterial
    private let connects = Atomic<Int>(0)

    /// How many new connections transfers had to open (libcurl `CURLINFO_NUM_CONNECTS`); with
    /// connection reuse this stays far below the number of requests.
    public var connectionsOpened: Int { connects.load(ordering: .relaxed) }

    /// PEM blobs are read once here; file paths are handed to libcurl, which reads them when connecting.
    private struct TLSMaterial: Sendable {
        var caFile: String?
        var caData: Data?
        var certFile: String?
        var certData: Data?
        var keyFile: String?
        var keyData: Data?
    }

    /// `curl_global_init`: call once from `main`, before any other thread starts.
    public static func globalInit() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }

    public init(config: KubeConfig, requestTimeout: Double = 60) {
        self.config = config
        self.requestTimeout = requestTimeout
        var tls = TLSMaterial()
        switch config.certificateAuthority {
        case .file(let p): tls.caFile = p
        case .data(let d): tls.caData = d
        case nil: break
        }
        switch config.clientCertificate {
        case .file(let p): tls.certFile = p
        case .data(let d): tls.certData = d
        case nil: break
        }
        switch config.clientKey {
        case .file(let p): tls.keyFile = p
        case .data(let d): tls.keyData = d
        case nil: break
        }
        self.tls = tls
    }

    /// Performs the request and returns whatever HTTP answer came back (any status code).
    /// Throws `KubeError.transport` when there was no answer, `.cancelled` when the task was cancelled.
    public func perform(_ request: KubeRequest) async throws(KubeError) -> KubeResponse {
        let loop = requestLoop
        let transfer = Transfer(sink: nil, onCancel: { loop.wake() })
        let outcome: Result<KubeResponse, KubeError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let handle: CurlEasyHandle
                switch prepare(request, transfer: transfer, streaming: false) {
                case .failure(let error): return continuation.resume(returning: .failure(error))
                case .success(let prepared): handle = prepared
                }
                loop.start(handle, transfer: transfer) { handle, code in
                    continuation.resume(returning: self.finish(handle, transfer: transfer, code: code, streaming: false))
                }
            }
        } onCancel: {
            transfer.cancel()
        }
        return try outcome.get()
    }

    /// Performs a long-lived request on its own thread, handing each received chunk of a 2xx body to
    /// `onData` as it arrives. `completion` gets the final response (its body is empty for 2xx,
    /// the error body otherwise) or the transport error. Returns a handle that aborts the transfer.
    func stream(_ request: KubeRequest, onData: @escaping @Sendable (Data) -> Void,
                completion: @escaping @Sendable (Result<KubeResponse, KubeError>) -> Void) -> Transfer {
        let transfer = Transfer(sink: onData, onCancel: nil)
        startThread(name: "kube-watch") {
            completion(self.run(request, transfer: transfer, streaming: true))
        }
        return transfer
    }

    /// Runs on a watch's own thread: blocks in `curl_easy_perform`.
    private func run(_ request: KubeRequest, transfer: Transfer, streaming: Bool) -> Result<KubeResponse, KubeError> {
        let handle: CurlEasyHandle
        switch prepare(request, transfer: transfer, streaming: streaming) {
        case .failure(let error): return .failure(error)
        case .success(let prepared): handle = prepared
        }
        let code = withExtendedLifetime(transfer) { curl_easy_perform(handle.raw) }
        return finish(handle, transfer: transfer, code: code, streaming: streaming)
    }

    /// An easy handle set up for `request`, with `transfer` receiving its headers and body.
    private func prepare(_ request: KubeRequest, transfer: Transfer, streaming: Bool) -> Result<CurlEasyHandle, KubeError> {
        if transfer.isCancelled { return .failure(.cancelled) }
        let token: String?
        do {
            token = try config.token?.current()
        } catch {
            return .failure(.transport(code: 0, message: "\(error)"))
        }
        let handle = pool.take()
        handle.reset()
        var headers = request.headers
        headers["User-Agent"] = "tenant-provisioner"
        // libcurl would otherwise wait for `100 Continue` before sending a large body.
        headers["Expect"] = ""
        if let token, !token.isEmpty { headers["Authorization"] = "Bearer \(token)" }
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            headerList = curl_slist_append(headerList, value.isEmpty ? "\(name):" : "\(name): \(value)")
        }
        // Freed in `finish`: libcurl reads the list while the transfer runs.
        transfer.headerList = headerList

        handle.set(CURLOPT_URL, config.server + request.target)
        handle.set(CURLOPT_NOSIGNAL, 1)
        handle.set(CURLOPT_CONNECTTIMEOUT_MS, 10_000)
        handle.set(CURLOPT_TCP_KEEPALIVE, 1)
        // HTTP/2 where the server agrees to it during the TLS handshake, HTTP/1.1 otherwise.
        handle.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        if !streaming { handle.set(CURLOPT_TIMEOUT_MS, Int(requestTimeout * 1000)) }
        tp_curl_setopt_slist(handle.raw, CURLOPT_HTTPHEADER, headerList)
        if let body = request.body {
            handle.set(CURLOPT_POSTFIELDSIZE, body.count)
            if body.isEmpty {
                handle.set(CURLOPT_COPYPOSTFIELDS, "")
            } else {
                body.withUnsafeBytes { bytes in _ = tp_curl_setopt_pointer(handle.raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress!)) }
            }
            handle.set(CURLOPT_CUSTOMREQUEST, request.method)
        } else if request.method == "GET" {
            handle.set(CURLOPT_HTTPGET, 1)
        } else if request.method == "HEAD" {
            // A HEAD answer has a Content-Length but no body: without NOBODY libcurl waits for it.
            handle.set(CURLOPT_NOBODY, 1)
        } else {
            handle.set(CURLOPT_CUSTOMREQUEST, request.method)
        }

        if let p = tls.caFile { handle.set(CURLOPT_CAINFO, p) }
        if let d = tls.caData { handle.set(CURLOPT_CAINFO_BLOB, blob: d) }
        if let p = tls.certFile { handle.set(CURLOPT_SSLCERT, p) }
        if let d = tls.certData { handle.set(CURLOPT_SSLCERT_BLOB, blob: d) }
        if let p = tls.keyFile { handle.set(CURLOPT_SSLKEY, p) }
        if let d = tls.keyData { handle.set(CURLOPT_SSLKEY_BLOB, blob: d) }
        if config.insecureSkipTLSVerify {
            handle.set(CURLOPT_SSL_VERIFYPEER, 0)
            handle.set(CURLOPT_SSL_VERIFYHOST, 0)
        }

        transfer.attach(handle: handle)
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        tp_curl_setopt_data_callback(handle.raw, CURLOPT_WRITEFUNCTION, { ptr, size, count, userdata in
            let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
            return transfer.receiveBody(ptr!, size * count)
        })
        tp_curl_setopt_pointer(handle.raw, CURLOPT_WRITEDATA, context)
        tp_curl_setopt_data_callback(handle.raw, CURLOPT_HEADERFUNCTION, { ptr, size, count, userdata in
            let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
            transfer.receiveHeader(ptr!, size * count)
            return size * count
        })
        tp_curl_setopt_pointer(handle.raw, CURLOPT_HEADERDATA, context)
        // The progress callback runs at least once a second even on an idle connection: it is how
        // a cancelled watch stops its blocked `curl_easy_perform`.
        handle.set(CURLOPT_NOPROGRESS, 0)
        tp_curl_setopt_xferinfo_callback(handle.raw, { clientp, _, _, _, _ in
            let transfer = Unmanaged<Transfer>.fromOpaque(clientp!).takeUnretainedValue()
            return transfer.isCancelled ? 1 : 0
        })
        tp_curl_setopt_pointer(handle.raw, CURLOPT_XFERINFODATA, context)
        return .success(handle)
    }

    /// The answer of a transfer that ended with `code`; returns the handle to the pool.
    private func finish(_ handle: CurlEasyHandle, transfer: Transfer, code: CURLcode, streaming: Bool) -> Result<KubeResponse, KubeError> {
        let status = handle.responseCode
        connects.add(handle.newConnections, ordering: .relaxed)
        transfer.detach()
        handle.reset()
        pool.put(handle)

        // A stream the consumer stopped after a 2xx answer ended as asked: report the answer.
        if streaming, transfer.isCancelled, (200..<300).contains(status) {
            return .success(KubeResponse(statusCode: status, headers: transfer.headers, body: Data()))
        }
        if code == CURLE_ABORTED_BY_CALLBACK || (code != CURLE_OK && transfer.isCancelled) {
            return .failure(.cancelled)
        }
        if code != CURLE_OK {
            let message = String(cString: curl_easy_strerror(code))
            return .failure(.transport(code: Int(code.rawValue), message: message))
        }
        return .success(KubeResponse(statusCode: status, headers: transfer.headers, body: transfer.body))
    }
}

/// The state of one transfer, shared between the thread in `curl_easy_perform` (callbacks) and
/// whoever wants to cancel it. Callbacks run on the transfer's thread only; `cancelled` is atomic.
final class Transfer: @unchecked Sendable {
    // @unchecked: `body`, `headers`, `handle` and `streamingChecked` are touched only by the
    // transfer's own thread (in libcurl callbacks and in `run` before/after perform); the only
    // cross-thread state is the atomic `cancelled`, and the sink is an immutable Sendable closure.
    private let cancelled = Atomic<Bool>(false)
    private let sink: (@Sendable (Data) -> Void)?
    private let onCancel: (@Sendable () -> Void)?
    private var handle: CurlEasyHandle?
    /// The request's header lines, which libcurl reads until the transfer ends.
    var headerList: UnsafeMutablePointer<curl_slist>?
    private var streamingChecked = false
    private var streamingAccepted = false
    var body = Data()
    var headers: [(name: String, value: String)] = []

    /// `onCancel` runs after `cancel()` marks the transfer: the multi loop's wake-up, so it drops
    /// the transfer at once.
    init(sink: (@Sendable (Data) -> Void)?, onCancel: (@Sendable () -> Void)?) {
        self.sink = sink
        self.onCancel = onCancel
    }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
    func cancel() {
        cancelled.store(true, ordering: .releasing)
        onCancel?()
    }

    func attach(handle: CurlEasyHandle) { self.handle = handle }
    func detach() {
        handle = nil
        curl_slist_free_all(headerList)
        headerList = nil
    }

    func receiveBody(_ ptr: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        if isCancelled { return 0 }
        let chunk = Data(bytes: ptr, count: count)
        if let sink {
            if !streamingChecked {
                streamingChecked = true
                streamingAccepted = (200..<300).contains(handle?.responseCode ?? 0)
            }
            if streamingAccepted {
                sink(chunk)
                return count
            }
        }
        body.append(chunk)
        return count
    }

    func receiveHeader(_ ptr: UnsafeMutablePointer<CChar>, _ count: Int) {
        let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: count), as: UTF8.self)
            .trimmingWhitespace()
        if line.hasPrefix("HTTP/") {
            // A new response block (after `100 Continue`, say): only the last block's headers count.
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingSpaces().lowercased()
        let value = line[line.index(after: colon)...].trimmingSpaces()
        headers.append((name, value))
    }
}

extension KubeTransport: KubeRequestPerformer {}

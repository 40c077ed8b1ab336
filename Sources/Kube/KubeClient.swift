import Common
import Dispatch
import FoundationEssentials
import Synchronization

/// The Kubernetes API client: builds requests with `KubeRequest`, sends them with
/// `KubeTransport`, limits the request rate (token bucket), retries transient failures with
/// backoff (honouring `Retry-After`), counts requests for `/metrics`, logs `Warning` headers, and
/// turns error answers into `KubeError` with the server's `Status`.
public final class KubeClient: Sendable {
    public let transport: KubeTransport
    /// What `send` hands each request to: `transport`, unless a test gave a stand-in.
    private let performer: any KubeRequestPerformer
    public let metrics: KubeRequestMetrics
    public let retryPolicy: RetryPolicy
    private let bucket: Mutex<TokenBucket>
    private let logger: Logger

    /// Client-side rate limits from `KUBE_QPS` (default 20) and `KUBE_BURST` (default 40).
    public struct RateLimit: Sendable, Equatable {
        public var qps: Double
        public var burst: Int

        public init(qps: Double = 20, burst: Int = 40) {
            self.qps = qps
            self.burst = burst
        }

        public static func from(_ environment: Environment) throws(ConfigError) -> RateLimit {
            RateLimit(qps: try environment.number("KUBE_QPS", default: 20, range: 0.1...10_000),
                      burst: try environment.integer("KUBE_BURST", default: 40, range: 1...100_000))
        }
    }

    public init(config: KubeConfig, rateLimit: RateLimit = RateLimit(), retryPolicy: RetryPolicy = .default,
                requestTimeout: Double = 60, metrics: KubeRequestMetrics = KubeRequestMetrics(), logger: Logger) {
        self.transport = KubeTransport(config: config, requestTimeout: requestTimeout)
        self.performer = transport
        self.bucket = Mutex(TokenBucket(qps: rateLimit.qps, burst: rateLimit.burst))
        self.retryPolicy = retryPolicy
        self.metrics = metrics
        self.logger = logger
    }

    /// A client whose requests (not its watches) go to `performer`: the seam that lets the code
    /// that decides what to send be tested without an API server. Everything else (rate limit,
    /// retries, error mapping, metrics) is the real client's.
    public init(config: KubeConfig, performer: any KubeRequestPerformer, rateLimit: RateLimit = RateLimit(qps: 10_000, burst: 10_000),
                retryPolicy: RetryPolicy = .default, metrics: KubeRequestMetrics = KubeRequestMetrics(), logger: Logger) {
        self.transport = KubeTransport(config: config)
        self.performer = performer
        self.bucket = Mutex(TokenBucket(qps: rateLimit.qps, burst: rateLimit.burst))
        self.retryPolicy = retryPolicy
        self.metrics = metrics
        self.logger = logger
    }

    public var config: KubeConfig { transport.config }

    // MARK: sending

    /// Sends a request and returns its 2xx response. Non-2xx answers throw `KubeError` (404
    /// included); transient failures are retried per `retryPolicy` before they throw.
    public func send(_ request: KubeRequest) async throws(KubeError) -> KubeResponse {
        var attempt = 0
        while true {
            attempt += 1
            try await waitForRateLimit()
            let failure: KubeError
            var retryAfter: Double? = nil
            do {
                let response = try await performer.perform(request)
                metrics.record(verb: request.verb, code: response.statusCode)
                logWarnings(response, request)
                if response.isSuccess { return response }
                failure = response.error
                retryAfter = response.retryAfter
            } catch {
                if case .cancelled = error { throw error }
                metrics.record(verb: request.verb, code: 0)
                failure = error
            }
            guard let delay = retryPolicy.delay(after: attempt, error: failure, retryAfter: retryAfter) else { throw failure }
            logger.warning("Kubernetes API request failed; retrying", [
                "k8s.verb": request.verb.rawValue, "k8s.path": request.path, "k8s.attempt": String(attempt),
                "retry.delay_s": fixedPoint(delay, digits: 2), "error": failure.description])
            try await sleep(delay)
        }
    }

    /// Takes a token from the bucket, sleeping until the reserved slot when there is none.
    private func waitForRateLimit() async throws(KubeError) {
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        let delay = bucket.withLock { $0.reserve(now: now) }
        if delay > 0 { try await sleep(delay) }
    }

    private func sleep(_ seconds: Double) async throws(KubeError) {
        do {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        } catch {
            throw .cancelled
        }
    }

    /// The server reports dropped unknown fields and deprecations in `Warning` headers; a
    /// misspelled template field would otherwise be silently ignored.
    private func logWarnings(_ response: KubeResponse, _ request: KubeRequest) {
        for warning in response.warnings {
            logger.warning("Kubernetes API server warning", [
                "k8s.verb": request.verb.rawValue, "k8s.path": request.path, "k8s.warning": warning])
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ response: KubeResponse) throws(KubeError) -> T {
        do {
            return try KubeJSON.decode(type, from: response.body)
        } catch {
            throw .invalidResponse("cannot decode \(T.self): \(error)")
        }
    }

    // MARK: typed calls

    /// The object, or nil when it does not exist (404 is a value, not an error).
    public func get<T: Decodable & Sendable>(_ resource: KubeResource, namespace: String?, name: String, as type: T.Type = T.self) async throws(KubeError) -> T? {
        do {
            return try decode(type, try await send(.get(resource, namespace: namespace, name: name)))
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    /// One page of a list.
    public func list<T: Decodable & Sendable>(_ resource: KubeResource, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil,
                                              limit: Int? = nil, continue token: String? = nil, as type: T.Type = T.self) async throws(KubeError) -> KubeList<T> {
        let request = KubeRequest.list(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, limit: limit, continue: token)
        return try decode(KubeList<T>.self, try await send(request))
    }

    /// Every page of a list, following `continue` with `pageSize` items a page. Each page is decoded
    /// (and its bytes dropped) before the next is fetched. The returned `metadata.resourceVersion`
    /// is the first page's: the snapshot every page belongs to, where a watch starts.
    public func listAll<T: Decodable & Sendable>(_ resource: KubeResource, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil,
                                                 pageSize: Int = 500, as type: T.Type = T.self) async throws(KubeError) -> KubeList<T> {
        var items: [T] = []
        var resourceVersion: String?
        try await forEachPage(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, pageSize: pageSize, as: type) { page in
            if resourceVersion == nil { resourceVersion = page.metadata.resourceVersion }
            items.append(contentsOf: page.items)
        }
        return KubeList(metadata: ListMeta(resourceVersion: resourceVersion), items: items)
    }

    /// Calls `body` with each page of a list in turn; nothing but the current page is held.
    public func forEachPage<T: Decodable & Sendable>(_ resource: KubeResource, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil,
                                                     pageSize: Int = 500, as type: T.Type = T.self,
                                                     _ body: (KubeList<T>) throws(KubeError) -> Void) async throws(KubeError) {
        var token: String? = nil
        repeat {
            let page = try await list(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                                      limit: pageSize, continue: token, as: type)
            try body(page)
            token = page.metadata.continue.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
    }

    /// Creates an object from a raw manifest and returns what the server stored.
    public func create<T: Decodable & Sendable>(_ resource: KubeResource, namespace: String?, body: JSONValue, as type: T.Type = T.self) async throws(KubeError) -> T {
        try decode(type, try await send(.create(resource, namespace: namespace, body: body)))
    }

    /// Creates an object from a model (an Event, a Lease).
    public func create<Body: Encodable, T: Decodable & Sendable>(_ resource: KubeResource, namespace: String?, object: Body, as type: T.Type = T.self) async throws(KubeError) -> T {
        let request: KubeRequest
        do { request = try .create(resource, namespace: namespace, object: object) } catch { throw .invalidResponse("cannot encode \(Body.self): \(error)") }
        return try decode(type, try await send(request))
    }

    /// Replaces an object (PUT). A stale `metadata.resourceVersion` throws a 409 Conflict.
    public func update<T: Decodable & Sendable>(_ resource: KubeResource, namespace: String?, name: String, body: JSONValue, subresource: String? = nil,
                                                as type: T.Type = T.self) async throws(KubeError) -> T {
        try decode(type, try await send(.update(resource, namespace: namespace, name: name, body: body, subresource: subresource)))
    }

    public func update<Body: Encodable, T: Decodable & Sendable>(_ resource: KubeResource, namespace: String?, name: String, object: Body,
                                                                 subresource: String? = nil, as type: T.Type = T.self) async throws(KubeError) -> T {
        let request: KubeRequest
        do { request = try .update(resource, namespace: namespace, name: name, object: object, subresource: subresource) } catch { throw .invalidResponse("cannot encode \(Body.self): \(error)") }
        return try decode(type, try await send(request))
    }

    /// JSON merge patch (RFC 7386).
    public func mergePatch<T: Decodable & Sendable>(_ resource: KubeResource, namespace: String?, name: String, patch: JSONValue, subresource: String? = nil,
                                                    as type: T.Type = T.self) async throws(KubeError) -> T {
        try decode(type, try await send(.mergePatch(resource, namespace: namespace, name: name, patch: patch, subresource: subresource)))
    }

    /// Deletes an object. Returns false when it was already gone (404). With `Foreground` the
    /// object lingers (with a deletionTimestamp) until its dependents are gone (a watch shows when: `JobCache`).
    @discardableResult
    public func delete(_ resource: KubeResource, namespace: String?, name: String, propagation: PropagationPolicy?,
                       preconditionUID: String? = nil) async throws(KubeError) -> Bool {
        do {
            _ = try await send(.delete(resource, namespace: namespace, name: name, propagation: propagation, preconditionUID: preconditionUID))
            return true
        } catch {
            if error.isNotFound { return false }
            throw error
        }
    }

    /// A container's log as text (`tailLines` last lines, at most `limitBytes` bytes).
    public func podLog(namespace: String, name: String, container: String? = nil, tailLines: Int? = nil, limitBytes: Int? = nil,
                       previous: Bool = false) async throws(KubeError) -> String {
        let response = try await send(.podLog(namespace: namespace, name: name, container: container, tailLines: tailLines, limitBytes: limitBytes,
                                              previous: previous))
        return String(decoding: response.body, as: UTF8.self)
    }

    /// Any object, decoded only as far as its metadata.
    public struct MetadataOnly: Decodable, Sendable {
        public var metadata: ObjectMeta
    }

    // MARK: watch

    /// Watches a collection. Events are decoded on the transfer's thread as lines arrive. The stream
    /// ends without error when the server closes the watch normally (`timeoutSeconds`), and throws
    /// `KubeError.gone` on 410/Expired, `.transport` when the connection is cut (a half-received
    /// line is dropped, never decoded), `.api` for other errors. Cancelling the consuming task or
    /// dropping the stream aborts the transfer within about a second.
    public func watch<T: Decodable & Sendable>(_ resource: KubeResource, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil,
                                               resourceVersion: String?, allowBookmarks: Bool = true, timeoutSeconds: Int? = nil,
                                               as type: T.Type = T.self) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        let request = KubeRequest.watch(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                                        resourceVersion: resourceVersion, allowBookmarks: allowBookmarks, timeoutSeconds: timeoutSeconds)
        let (stream, continuation) = AsyncThrowingStream<WatchEvent<T>, any Error>.makeStream()
        let state = WatchState()
        continuation.onTermination = { _ in state.cancel() }
        let starter = Task {
            do {
                try await self.waitForRateLimit()
            } catch {
                continuation.finish(throwing: error)
                return
            }
            let lines = Mutex(WatchLineBuffer())
            let transfer = self.transport.stream(request, onData: { chunk in
                for line in lines.withLock({ $0.append(chunk) }) {
                    do {
                        continuation.yield(try WatchEvent<T>.decode(line: line))
                    } catch {
                        continuation.finish(throwing: error)
                        state.cancel()
                        return
                    }
                }
            }, completion: { result in
                switch result {
                case .success(let response):
                    self.metrics.record(verb: .watch, code: response.statusCode)
                    self.logWarnings(response, request)
                    if response.isSuccess { continuation.finish() } else { continuation.finish(throwing: response.error) }
                case .failure(let error):
                    if case .cancelled = error {} else { self.metrics.record(verb: .watch, code: 0) }
                    continuation.finish(throwing: error)
                }
            })
            state.attach(transfer)
        }
        state.attach(starter)
        return stream
    }
}

/// Lets a watch stream's termination abort whatever is running for it: the starting task, then
/// the transfer once it exists.
private final class WatchState: Sendable {
    private struct Parts: Sendable {
        var cancelled = false
        var starter: Task<Void, Never>?
        var transfer: Transfer?
    }

    private let parts = Mutex(Parts())

    func attach(_ starter: Task<Void, Never>) {
        let cancelled = parts.withLock { p in
            p.starter = starter
            return p.cancelled
        }
        if cancelled { starter.cancel() }
    }

    func attach(_ transfer: Transfer) {
        let cancelled = parts.withLock { p in
            p.transfer = transfer
            return p.cancelled
        }
        if cancelled { transfer.cancel() }
    }

    func cancel() {
        let (starter, transfer) = parts.withLock { p in
            p.cancelled = true
            return (p.starter, p.transfer)
        }
        starter?.cancel()
        transfer?.cancel()
    }
}

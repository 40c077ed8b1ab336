import Common
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A deliberately tiny HTTP/1.1 server for `/healthz`, `/readyz` and `/metrics`.
/// A full HTTP framework would add ~15 MB of RSS and minutes of build time for three GET routes
/// (PLATFORM.md); probes send one small request per connection, so one accept thread that
/// answers each connection in turn, with short socket timeouts, is enough.
public final class HealthServer: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        public var body: String

        public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    public typealias Handler = @Sendable (_ method: String, _ path: String) -> Response

    private let handler: Handler
    private let host: String
    private let requestedPort: Int
    /// The listening socket (-1 before `start`) and whether `stop` was called.
    private let state = Mutex<(listenFD: Int32, stopped: Bool)>((-1, false))

    public init(host: String = "0.0.0.0", port: Int, handler: @escaping Handler) {
        self.host = host
        self.requestedPort = port
        self.handler = handler
    }

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Binds and starts answering; returns the bound port (useful with port 0).
    @discardableResult
    public func start() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StartError(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(requestedPort).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            close(fd)
            throw StartError(description: "HEALTH_HOST \(host) is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw StartError(description: "cannot listen on \(host):\(requestedPort) (HEALTH_PORT): \(reason); choose a free port")
        }
        guard listen(fd, 64) == 0 else {
            close(fd)
            throw StartError(description: "cannot listen on port \(requestedPort): \(String(cString: strerror(errno)))")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        state.withLock { $0.listenFD = fd }
        startThread(name: "health-server") { [self] in acceptLoop(fd) }
        return Int(UInt16(bigEndian: actual.sin_port))
    }

    public func stop() {
        let (fd, wasStopped) = state.withLock { s in
            defer { s.stopped = true }
            return (s.listenFD, s.stopped)
        }
        if !wasStopped && fd >= 0 {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop(_ listenFD: Int32) {
        while !isStopped {
            let client = accept(listenFD, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            serve(client)
            close(client)
        }
    }

    private func serve(_ fd: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Read until the end of the headers; bodies are not used by any route.
        while request.count < 16_384 {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            request.append(contentsOf: buffer[0..<n])
            if findHeaderEnd(request) != nil { break }
        }
        let text = String(decoding: request, as: UTF8.self)
        let firstLine = text.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = firstLine.split(separator: " ")
        let response: Response
        if parts.count >= 2 {
            let method = String(parts[0])
            var path = String(parts[1])
            if let q = path.firstIndex(of: "?") { path = String(path[..<q]) }
            response = handler(method, path)
        } else {
            response = Response(status: 400, body: "bad request\n")
        }
        let body = Array(response.body.utf8)
        let head = "HTTP/1.1 \(response.status) \(Self.reasonPhrase(response.status))\r\nContent-Type: \(response.contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
    }

    private func findHeaderEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

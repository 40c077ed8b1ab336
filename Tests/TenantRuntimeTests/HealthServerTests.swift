import Foundation
import Testing
@testable import TenantRuntime

@Suite struct HealthServerTests {
    /// A raw HTTP GET over a socket, so the test does not depend on URLSession behaviour.
    static func get(port: Int, path: String) throws -> (status: Int, body: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(rc == 0)
        let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            response.append(contentsOf: buffer[0..<n])
        }
        let text = String(decoding: response, as: UTF8.self)
        let status = Int(text.split(separator: " ")[1]) ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, body)
    }

    @Test func routesAnswerWithTheirStatusAndBody() throws {
        let server = HealthServer(host: "127.0.0.1", port: 0) { _, path in
            switch path {
            case "/healthz": HealthServer.Response(status: 200, body: "ok\n")
            case "/readyz": HealthServer.Response(status: 503, body: "database unreachable\n")
            default: HealthServer.Response(status: 404, body: "not found\n")
            }
        }
        let port = try server.start()
        defer { server.stop() }
        #expect(try Self.get(port: port, path: "/healthz") == (200, "ok\n"))
        #expect(try Self.get(port: port, path: "/readyz?verbose=1") == (503, "database unreachable\n"))
        #expect(try Self.get(port: port, path: "/nope").status == 404)
    }

    @Test func portInUseIsAClearError() throws {
        let first = HealthServer(host: "127.0.0.1", port: 0) { _, _ in .init(status: 200, body: "") }
        let port = try first.start()
        defer { first.stop() }
        let second = HealthServer(host: "127.0.0.1", port: port) { _, _ in .init(status: 200, body: "") }
        #expect(throws: HealthServer.StartError.self) { try second.start() }
    }
}

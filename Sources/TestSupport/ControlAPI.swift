import Common
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The plain-HTTP JSON control API the test servers offer (the Kubernetes API emulator, the fake
/// registry): one request, the decoded JSON answer (`.null` for an empty body), an error naming
/// the server, the call and the answer for anything but 2xx.
enum ControlAPI {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func call(_ base: String, _ method: String, _ path: String, _ body: JSONValue?, server: String) async throws -> JSONValue {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let body {
            request.httpBody = Data(body.canonicalJSON.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw Failure(description: "\(server) control \(method) \(path) answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return data.isEmpty ? .null : try JSONValue.parse(data)
    }
}

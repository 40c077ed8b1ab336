import AdminServer
import ArgumentParser

struct PrintOpenAPI: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openapi", abstract: "Print the admin API's OpenAPI document.")

    func run() {
        print(OpenAPIDocument.json)
    }
}

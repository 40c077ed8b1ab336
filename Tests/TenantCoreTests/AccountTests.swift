import Common
import Testing
@testable import TenantCore

@Suite struct AccountTests {
    @Test func configEnvIsReadAsStrings() throws {
        let account = Account(id: "a", config: ["env": ["REGION": "eu", "TIER": "gold"]])
        #expect(try account.configEnvironment() == ["REGION": "eu", "TIER": "gold"])
    }

    @Test(arguments: [JSONValue.object([:]), ["env": nil], nil, ["other": 1]])
    func missingConfigEnvMeansNoVariables(config: JSONValue) throws {
        #expect(try Account(id: "a", config: config).configEnvironment() == [:])
    }

    @Test func nonStringEnvValueIsAnAccountErrorNamingTheKey() {
        let account = Account(id: "acme", config: ["env": ["PORT": 8080]])
        #expect(throws: RenderError(accountID: "acme", problem: "config.env.PORT must be a string, found a number; quote numbers and booleans")) {
            try account.configEnvironment()
        }
    }

    @Test func envThatIsNotAnObjectIsAnAccountError() {
        let account = Account(id: "acme", config: ["env": ["A=1"]])
        #expect(throws: RenderError.self) { try account.configEnvironment() }
    }

    @Test func configThatIsNotAnObjectIsAnAccountError() {
        let account = Account(id: "acme", config: [1, 2])
        #expect(throws: RenderError.self) { try account.configEnvironment() }
    }

    @Test(arguments: ["", "A=B", "TAB\tX"])
    func invalidEnvNameIsAnAccountError(name: String) {
        let account = Account(id: "acme", config: ["env": .object([name: "v"])])
        #expect(throws: RenderError.self) { try account.configEnvironment() }
    }
}

import Common
import Testing
@testable import TenantCore

/// SPEC "Kubernetes objects": substituted values are data. Kubernetes expands `$(VAR)` in
/// `command`, `args` and env values and turns `$$` into `$`; every substituted `$` is doubled so
/// the container sees the account's value exactly as written.
@Suite struct VariableExpansionTests {
    /// What the kubelet does with a command, argument or env value (expand.go, reduced to what
    /// the tests need): `$$` → `$`, `$(NAME)` → the variable's value when defined, else as written.
    static func kubeletExpand(_ text: String, variables: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                out += "$"
                rest = after.dropFirst()
            } else if after.first == "(", let close = after.firstIndex(of: ")") {
                let name = String(after[after.index(after: after.startIndex)..<close])
                out += variables[name] ?? "$(\(name))"
                rest = after[after.index(after: close)...]
            } else {
                out += "$"
                rest = after
            }
        }
        return out + rest
    }

    static let template = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: tenant
          annotations:
            shown-as: "{{ display_name }}"
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: main
                  image: busybox
                  command: ["sh", "-c", "echo \\"$0\\"", "{{ display_name }}"]
                  args: ["--name={{ display_name }}", "--id=$(ACCOUNT_ID)"]
                  env:
                    - name: SHOWN
                      value: "{{ display_name }}"
                    - name: OWN
                      value: "$(ACCOUNT_ID)-suffix"
        """

    static let hostile = "Eve $(DATABASE_URL) $$(VAR) costs $5"
    static let variables = ["DATABASE_URL": "postgresql://secret", "VAR": "x", "ACCOUNT_ID": "acct$1"]

    private func render(displayName: String, env: [String: JSONValue] = [:]) throws -> JSONValue {
        let account = Account(id: "acct$1", displayName: displayName, config: ["env": .object(env)])
        return try JobTemplate.parse(yaml: Self.template, file: "t.yaml").render(account: account, namespace: "ns", instance: "i").manifest
    }

    private func main(_ manifest: JSONValue) -> JSONValue {
        manifest["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first ?? .null
    }

    @Test func theContainerSeesADisplayNameInCommandArgsAndEnvExactlyAsWritten() throws {
        let container = main(try render(displayName: Self.hostile))
        let command = try #require(container["command"]?.arrayValue)
        #expect(Self.kubeletExpand(command[3].stringValue ?? "", variables: Self.variables) == Self.hostile)
        #expect(command[2] == "echo \"$0\"", "literal template text is not touched")
        let args = try #require(container["args"]?.arrayValue)
        #expect(Self.kubeletExpand(args[0].stringValue ?? "", variables: Self.variables) == "--name=" + Self.hostile)
        let env = try #require(container["env"]?.arrayValue)
        let shown = try #require(env.first { $0["name"] == "SHOWN" })
        #expect(Self.kubeletExpand(shown["value"]?.stringValue ?? "", variables: Self.variables) == Self.hostile)
    }

    @Test func referencesWrittenInTheTemplateItselfStillExpand() throws {
        let container = main(try render(displayName: "plain"))
        #expect(container["args"]?.arrayValue?.last == "--id=$(ACCOUNT_ID)")
        let own = container["env"]?.arrayValue?.first { $0["name"] == "OWN" }
        #expect(own?["value"] == "$(ACCOUNT_ID)-suffix")
    }

    @Test func injectedAccountIDAndConfigEnvValuesReachTheContainerAsWritten() throws {
        let container = main(try render(displayName: "plain", env: ["TOKEN": "$(DATABASE_URL)$$"]))
        let env = try #require(container["env"]?.arrayValue)
        let accountID = try #require(env.first { $0["name"] == "ACCOUNT_ID" })
        #expect(Self.kubeletExpand(accountID["value"]?.stringValue ?? "", variables: Self.variables) == "acct$1")
        let token = try #require(env.first { $0["name"] == "TOKEN" })
        #expect(Self.kubeletExpand(token["value"]?.stringValue ?? "", variables: Self.variables) == "$(DATABASE_URL)$$")
    }

    @Test func valuesOutsideCommandArgsAndEnvAreNotEscaped() throws {
        let manifest = try render(displayName: Self.hostile)
        #expect(manifest["metadata"]?["annotations"]?["shown-as"] == .string(Self.hostile))
    }

    @Test func escapeDoublesEveryDollar() {
        #expect(VariableExpansion.escape("a$b$$c") == "a$$b$$$$c")
        #expect(VariableExpansion.escape("none") == "none")
    }
}

/// SPEC: a `config.env` key must be `[-._a-zA-Z][-._a-zA-Z0-9]*` (what kube-apiserver v1.31
/// accepts); an account with another key is a render error, no request sent.
@Suite struct EnvironmentVariableNameTests {
    @Test(arguments: ["A", "_x", "my.var-1", "-dash", ".dot", "Z9"])
    func validNames(name: String) {
        #expect(EnvironmentVariableName.isValid(name))
    }

    @Test(arguments: ["", "1BAD", "1BAD KEY", "with space", "a=b", "ümlaut", "a$b", "a/b"])
    func invalidNames(name: String) throws {
        #expect(!EnvironmentVariableName.isValid(name))
        let account = Account(id: "a", config: ["env": .object([name: "v"])])
        let error = try #require(throws: RenderError.self) { try account.configEnvironment() }
        #expect(error.problem.contains("[-._a-zA-Z][-._a-zA-Z0-9]*"))
    }
}

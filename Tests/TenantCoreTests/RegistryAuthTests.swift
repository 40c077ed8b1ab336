import Testing
@testable import TenantCore

@Suite struct RegistryAuthTests {
    @Test func readsDockerHubsBearerChallenge() throws {
        let header = #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#
        let challenge = try #require(RegistryChallenge.parse(header))
        #expect(challenge.scheme == .bearer)
        #expect(challenge.realm == "https://auth.docker.io/token")
        #expect(challenge.service == "registry.docker.io")
        #expect(challenge.scope == "repository:library/busybox:pull")
    }

    @Test(arguments: [
        (#"bearer realm="https://r.example/t", scope="a,b""#, RegistryChallenge.Scheme.bearer, ["realm": "https://r.example/t", "scope": "a,b"]),
        (#"Basic realm="Registry Realm""#, .basic, ["realm": "Registry Realm"]),
        (#"Bearer realm=https://r.example/t,service=svc"#, .bearer, ["realm": "https://r.example/t", "service": "svc"]),
        (#"Bearer realm="a\"b""#, .bearer, ["realm": "a\"b"]),
    ] as [(String, RegistryChallenge.Scheme, [String: String])])
    func readsQuotedAndBareParameters(header: String, scheme: RegistryChallenge.Scheme, parameters: [String: String]) throws {
        let challenge = try #require(RegistryChallenge.parse(header))
        #expect(challenge.scheme == scheme && challenge.parameters == parameters)
    }

    @Test func anUnknownSchemeIsNoChallenge() {
        #expect(RegistryChallenge.parse(#"Negotiate abc"#) == nil)
        #expect(RegistryChallenge.parse("") == nil)
    }

    @Test func readsDockerConfigJSONAsLoginWritesIt() throws {
        let auth = Base64.encode(Array("robot:s3cret:with:colons".utf8))
        let json = """
            {"auths": {
              "https://index.docker.io/v1/": {"auth": "\(auth)"},
              "ghcr.io": {"username": "octo", "password": "ghp_x"},
              "http://registry.local:5000": {"auth": "\(Base64.encode(Array("u:p".utf8)))", "email": "x@example.com"},
              "empty.example": {}
            }}
            """
        let credentials = try DockerConfig.credentials(fromJSON: json).get()
        #expect(credentials["docker.io"] == RegistryCredentials(username: "robot", password: "s3cret:with:colons"))
        #expect(credentials["ghcr.io"] == RegistryCredentials(username: "octo", password: "ghp_x"))
        #expect(credentials["registry.local:5000"] == RegistryCredentials(username: "u", password: "p"))
        #expect(credentials.count == 3)
        #expect(!"\(credentials["ghcr.io"]!)".contains("ghp_x"), "a password never reaches a string interpolation")
    }

    @Test(arguments: ["[]", #"{"auths": {"x": {"auth": "%%%"}}}"#, "not json"])
    func refusesWhatIsNotADockerConfig(json: String) {
        guard case .failure(let error) = DockerConfig.credentials(fromJSON: json) else {
            Issue.record("parsed")
            return
        }
        #expect(!error.problem.isEmpty)
    }

    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy"), ("u:p", "dTpw")])
    func base64RoundTrips(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
        #expect(Base64.decode(String(encoded.prefix { $0 != "=" })) == Array(plain.utf8), "padding optional")
    }

    @Test func basicAuthorizationHeader() {
        #expect(RegistryCredentials(username: "u", password: "p").basicAuthorization == "Basic dTpw")
    }
}

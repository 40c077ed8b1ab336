import Common
import TenantAdmin
import Testing

@Suite struct AccountRulesTests {
    @Test func aValidCreateBodyBecomesANewAccount() throws {
        let body: JSONValue = ["account_id": "alice@example.com", "display_name": "Alice", "is_active": false,
                               "config": ["env": ["PLAN": "gold"]]]
        let account = try AccountRules.newAccount(from: body).get()
        #expect(account == NewAccount(accountID: "alice@example.com", displayName: "Alice", isActive: false,
                                      config: ["env": ["PLAN": "gold"]]))
    }

    @Test(arguments: [
        (["display_name": "x"], "account_id", "is required"),
        (["account_id": ""], "account_id", "1 to 253"),
        (["account_id": .string(String(repeating: "a", count: 254))], "account_id", "1 to 253"),
        (["account_id": 5], "account_id", "must be a string"),
        (["account_id": "a", "is_active": "yes"], "is_active", "true or false"),
        (["account_id": "a", "display_name": 3], "display_name", "string or null"),
        (["account_id": "a", "config": "x"], "config", "JSON object"),
        (["account_id": "a", "config": ["env": ["A": 1]]], "config.env.A", "must be a string"),
        (["account_id": "a", "config": ["env": ["1A": "x"]]], "config.env.1A", "not a valid environment variable name"),
        (["account_id": "a", "config": ["env": ["MY VAR": "x"]]], "config.env.MY VAR", "not a valid environment variable name"),
        (["account_id": "a", "config": ["env": "x"]], "config.env", "must be an object"),
        (["account_id": "a", "generation": 3], "generation", "not a field"),
        (["account_id": "a\u{0}b"], "account_id", "NUL"),
        (["account_id": "a", "config": ["k\u{0}": "x"]], "config", "NUL"),
        (["account_id": .string(String(repeating: "e\u{301}", count: 127))], "account_id", "1 to 253"),
    ] as [(JSONValue, String, String)])
    func anInvalidCreateBodyNamesTheField(body: JSONValue, field: String, problem: String) {
        guard case .failure(let errors) = AccountRules.newAccount(from: body) else {
            Issue.record("accepted \(body.canonicalJSON)")
            return
        }
        #expect(errors.fields[field]?.contains(problem) == true, "\(errors.fields)")
    }

    @Test func aPatchSetsOnlyTheFieldsItNamesAndNullClearsTheDisplayName() throws {
        let changes = try AccountRules.changes(from: ["display_name": nil, "is_active": true]).get()
        #expect(changes == AccountChanges(isActive: true, displayName: .some(nil)))
        #expect(changes.fieldNames == ["is_active", "display_name"])
    }

    @Test func aPatchCannotChangeTheIdAndMustNameAField() {
        guard case .failure(let empty) = AccountRules.changes(from: [:]) else { Issue.record("empty patch accepted"); return }
        #expect(empty.fields["body"] != nil)
        guard case .failure(let id) = AccountRules.changes(from: ["account_id": "b"]) else { Issue.record("id change accepted"); return }
        #expect(id.fields["account_id"]?.contains("cannot be changed") == true)
    }

    @Test func cursorsRoundTripAndForeignOnesAreRefused() {
        for cursor in [PageCursor.afterAccount("a/b c@ü"), .beforeID(42)] {
            #expect(PageCursor(token: cursor.token) == cursor)
            #expect(!cursor.token.contains("=") && !cursor.token.contains("/") && !cursor.token.contains("+"))
        }
        #expect(PageCursor(token: "not-a-cursor") == nil)
        #expect(PageCursor(token: PageCursor.beforeID(1).token + "x") == nil)
        var errors = FieldErrors()
        _ = PageRequest.parse(limit: "0", cursor: "%%%", errors: &errors)
        #expect(errors.fields.keys.sorted() == ["cursor", "limit"])
    }
}

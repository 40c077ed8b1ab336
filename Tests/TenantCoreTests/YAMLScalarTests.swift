import Common
import Testing
@testable import TenantCore

@Suite struct YAMLScalarTests {
    @Test(arguments: [
        ("0", JSONValue.integer(0)),
        ("42", .integer(42)),
        ("-7", .integer(-7)),
        ("+7", .integer(7)),
        ("1_000", .integer(1000)),
        ("0644", .integer(420)),
        ("0o644", .integer(420)),
        ("0x1F", .integer(31)),
        ("0b101", .integer(5)),
        ("-9223372036854775808", .integer(Int64.min)),
        ("1.5", .double(1.5)),
        ("0.5", .double(0.5)),
        (".5", .double(0.5)),
        ("1e3", .double(1000)),
        ("true", .bool(true)),
        ("False", .bool(false)),
        ("null", .null),
        ("~", .null),
        ("", .null),
        ("1:30", .string("1:30")),
        ("2024-01-02", .string("2024-01-02")),
        ("v1.2.3", .string("v1.2.3")),
        ("0x", .string("0x")),
        ("12abc", .string("12abc")),
        ("512Mi", .string("512Mi")),
        ("1.2.3", .string("1.2.3")),
        ("-", .string("-")),
    ])
    func plainScalarResolvesLikeKubectlWhereThatIsUnsurprising(text: String, expected: JSONValue) throws {
        #expect(try YAMLScalar.resolvePlain(text).get() == expected)
    }

    @Test(arguments: ["yes", "No", "ON", "off", "y", "N"])
    func yaml11OnlyBooleanWordIsRejectedAsAmbiguous(text: String) {
        guard case .failure(let problem) = YAMLScalar.resolvePlain(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(problem.message.contains("ambiguous"))
    }

    @Test(arguments: ["08", "0999", "9223372036854775808", ".inf", ".nan", "-.Inf"])
    func numberJSONCannotCarryIsRejected(text: String) {
        guard case .failure = YAMLScalar.resolvePlain(text) else {
            Issue.record("\(text) was accepted")
            return
        }
    }

    @Test(arguments: [
        ("5", "tag:yaml.org,2002:int", JSONValue.integer(5)),
        ("5", "tag:yaml.org,2002:float", .double(5)),
        ("yes", "tag:yaml.org,2002:bool", .bool(true)),
        ("", "tag:yaml.org,2002:null", .null),
    ])
    func explicitlyTaggedScalarTakesItsTag(text: String, tag: String, expected: JSONValue) throws {
        #expect(try YAMLScalar.resolveTagged(text, tag: tag).get() == expected)
    }

    @Test(arguments: [("abc", "tag:yaml.org,2002:int"), ("x", "tag:yaml.org,2002:bool"), ("x", "tag:yaml.org,2002:binary"), ("x", "!custom")])
    func badOrUnsupportedTagIsRejected(text: String, tag: String) {
        guard case .failure = YAMLScalar.resolveTagged(text, tag: tag) else {
            Issue.record("\(text) tagged \(tag) was accepted")
            return
        }
    }
}

import Testing
import YAML

@Suite struct YAMLParserTests {
    @Test func scalarsKeepTextTagStyleAndLine() throws {
        let yaml = """
        plain: 8080
        single: 'a'
        double: "b"
        tagged: !!str 42
        bare: ! c
        literal: |
          line one
        folded: >
          folded

        """
        let root = try #require(try YAMLParser.document(yaml))
        let expected: [(String, String, String, YAMLNode.Scalar.Style, Int)] = [
            ("plain", "8080", "", .plain, 1),
            ("single", "a", "", .singleQuoted, 2),
            ("double", "b", "", .doubleQuoted, 3),
            ("tagged", "42", "tag:yaml.org,2002:str", .plain, 4),
            ("bare", "c", "!", .plain, 5),
            ("literal", "line one\n", "", .literal, 6),
            ("folded", "folded\n", "", .folded, 8),
        ]
        for (key, text, tag, style, line) in expected {
            let scalar = try #require(root[key]?.scalar, "\(key)")
            #expect(scalar.string == text, "\(key)")
            #expect(scalar.tag == tag, "\(key)")
            #expect(scalar.style == style, "\(key)")
            #expect(scalar.mark.line == line, "\(key)")
        }
        #expect(root.mapping?.pairs.map { $0.key.string ?? "" } == expected.map(\.0), "pairs stay in document order")
    }

    @Test func collectionsNestAndKeepTheirTags() throws {
        let root = try #require(try YAMLParser.document("a:\n  - x\n  - {b: 1}\nc: !!map {}\n"))
        let items = try #require(root["a"]?.sequence?.items)
        #expect(items.count == 2)
        #expect(items[0].string == "x")
        #expect(items[1]["b"]?.string == "1")
        #expect(items[1].mark.line == 3)
        #expect(root["c"]?.mapping?.tag == "tag:yaml.org,2002:map")
        #expect(root["c"]?.mapping?.pairs.isEmpty == true)
        #expect(root["missing"] == nil)
        #expect(root["a"]?["b"] == nil, "a sequence has no keys")
    }

    @Test func aliasesBecomeTheAnchoredNode() throws {
        let root = try #require(try YAMLParser.document("base: &b {x: 1}\ncopy: *b\n"))
        #expect(root["copy"] == root["base"])
        #expect(root["copy"]?["x"]?.string == "1")
    }

    @Test func anUndefinedAliasIsAnError() {
        #expect {
            _ = try YAMLParser.document("a: *nowhere\n")
        } throws: { error in
            guard let error = error as? YAMLError, error.kind == .syntax else { return false }
            return error.problem.contains("nowhere") && error.mark?.line == 1
        }
    }

    @Test func emptyTextsHoldNoDocument() throws {
        #expect(try YAMLParser.document("") == nil)
        #expect(try YAMLParser.document("# only a comment\n") == nil)
    }

    @Test func aSecondDocumentIsRefused() {
        #expect {
            _ = try YAMLParser.document("a: 1\n---\nb: 2\n")
        } throws: { error in
            (error as? YAMLError)?.mark?.line == 2 && (error as? YAMLError)?.problem.contains("second YAML document") == true
        }
    }

    @Test func repeatedKeysAreNamedWithTheLineOfTheFirstRepeat() {
        #expect {
            _ = try YAMLParser.document("a: 1\nb: 2\na: 3\nb: 4\n")
        } throws: { error in
            guard let error = error as? YAMLError else { return false }
            return error.kind == .repeatedKeys(["a", "b"]) && error.mark?.line == 3
        }
    }

    @Test func syntaxErrorsCarryLibyamlsProblemAndPosition() {
        #expect {
            _ = try YAMLParser.document("spec: [unclosed\n")
        } throws: { error in
            guard let error = error as? YAMLError, error.kind == .syntax, let mark = error.mark else { return false }
            return !error.problem.isEmpty && mark.line >= 1 && error.context != nil
        }
    }

    @Test func controlCharactersAreUnreadable() {
        #expect {
            _ = try YAMLParser.document("a: b\u{7}\n")
        } throws: { error in
            if case .unreadable(let offset) = (error as? YAMLError)?.kind { return offset == 4 }
            return false
        }
    }

    @Test func nestingDeeperThanTheLimitIsRefused() throws {
        let deep = String(repeating: "[", count: YAMLParser.maximumDepth + 2) + String(repeating: "]", count: YAMLParser.maximumDepth + 2)
        #expect(throws: YAMLError.self) { _ = try YAMLParser.document(deep) }
        let fine = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(try YAMLParser.document(fine) != nil)
    }

    @Test func booleansAsKubectlReadsThem() throws {
        let root = try #require(try YAMLParser.document("a: true\nb: no\nc: 'true'\nd: maybe\ne: !!bool On\n"))
        #expect(root["a"]?.bool == true)
        #expect(root["b"]?.bool == false)
        #expect(root["c"]?.bool == nil, "a quoted scalar is a string")
        #expect(root["d"]?.bool == nil)
        #expect(root["e"]?.bool == true)
    }
}

import Common
import Foundation
import Yams

/// Reads the template's YAML into a `TemplateNode`, resolving scalars with `YAMLScalar`'s rules,
/// compiling placeholders, and remembering the line of every value for later error messages.
struct TemplateYAMLReader {
    let file: String
    /// Line of the value at each path (`spec.template.spec.containers[0].env`), 1-based.
    private(set) var lines: [String: Int] = [:]

    init(file: String) { self.file = file }

    mutating func read(_ yaml: String) throws(TemplateError) -> TemplateNode {
        let root: Node?
        do {
            // The basic resolver tags every untagged plain scalar as a string; `YAMLScalar`
            // resolves them itself, so the rules are ours and documented in one place.
            root = try Yams.compose(yaml: yaml, Resolver.basic)
        } catch let error as YamlError {
            throw Self.templateError(error, file: file, yaml: yaml)
        } catch {
            throw TemplateError(file: file, line: nil, problem: "invalid YAML: \(error)")
        }
        guard let root else {
            throw TemplateError(file: file, line: nil, problem: "the file holds no YAML document; it must hold one complete batch/v1 Job")
        }
        return try convert(root, path: "", keyLine: nil)
    }

    /// `keyLine` is the line of the mapping key naming this value: errors about a member point
    /// at `containers:` rather than at the first line of what follows it.
    private mutating func convert(_ node: Node, path: String, keyLine: Int?) throws(TemplateError) -> TemplateNode {
        let line = node.mark?.line ?? 1
        lines[path] = keyLine ?? line
        switch node {
        case .scalar(let scalar):
            return try convert(scalar, line: line)
        case .alias(let alias):
            throw TemplateError(file: file, line: alias.mark?.line ?? line, problem: "unresolved YAML alias")
        case .sequence(let sequence):
            try checkCollectionTag(sequence.tag.rawValue, allowed: "tag:yaml.org,2002:seq", line: line)
            var items: [TemplateNode] = []
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, path: "\(path)[\(index)]", keyLine: nil))
            }
            return .array(collapsing: items)
        case .mapping(let mapping):
            try checkCollectionTag(mapping.tag.rawValue, allowed: "tag:yaml.org,2002:map", line: line)
            var members: [String: TemplateNode] = [:]
            var merged: [Node.Mapping] = []
            for (keyNode, valueNode) in mapping {
                let key = try keyText(keyNode, line: line)
                if key == "<<", keyNode.scalar?.style == .plain {
                    merged += try mergeSources(valueNode)
                    continue
                }
                let memberPath = path.isEmpty ? key : "\(path).\(key)"
                members[key] = try convert(valueNode, path: memberPath, keyLine: keyNode.mark?.line)
            }
            // YAML merge keys: explicit keys win, then earlier merged mappings over later ones.
            for source in merged {
                for (keyNode, valueNode) in source {
                    let key = try keyText(keyNode, line: line)
                    guard members[key] == nil else { continue }
                    members[key] = try convert(valueNode, path: path.isEmpty ? key : "\(path).\(key)", keyLine: keyNode.mark?.line)
                }
            }
            return .object(collapsing: members)
        }
    }

    private func convert(_ scalar: Node.Scalar, line: Int) throws(TemplateError) -> TemplateNode {
        let tag = scalar.tag.rawValue
        let isString = tag == "!" || tag == Tag.Name.str.rawValue || (tag.isEmpty && scalar.style != .plain)
        if isString {
            let isBlock = scalar.style == .literal || scalar.style == .folded
            do {
                // A block scalar's text starts on the line after its `|` or `>` indicator.
                if let segments = try PlaceholderScanner.segments(of: scalar.string, line: isBlock ? line + 1 : line, countsNewlines: isBlock) {
                    return .text(segments)
                }
            } catch {
                throw TemplateError(file: file, line: error.line, problem: error.message)
            }
            return .literal(.string(scalar.string))
        }
        let resolved = tag.isEmpty ? YAMLScalar.resolvePlain(scalar.string) : YAMLScalar.resolveTagged(scalar.string, tag: tag)
        switch resolved {
        case .success(.string(let text)):
            do {
                if let segments = try PlaceholderScanner.segments(of: text, line: line, countsNewlines: false) {
                    return .text(segments)
                }
            } catch {
                throw TemplateError(file: file, line: error.line, problem: error.message)
            }
            return .literal(.string(text))
        case .success(let value):
            return .literal(value)
        case .failure(let problem):
            throw TemplateError(file: file, line: line, problem: problem.message)
        }
    }

    /// Mapping keys become JSON object keys: scalars only, taken as written, never templated.
    private func keyText(_ key: Node, line: Int) throws(TemplateError) -> String {
        guard case .scalar(let scalar) = key else {
            // `image: {{ config.image }}` lands here: YAML reads unquoted braces as a flow
            // mapping whose key is another mapping.
            throw TemplateError(file: file, line: key.mark?.line ?? line, problem: "a mapping key must be a plain string, not a \(key.mapping != nil ? "mapping" : "list"); a value that starts with '{{' must be quoted, since YAML reads an unquoted {{ … }} as a mapping: write \"{{ … }}\"")
        }
        if scalar.string.contains("{{") {
            throw TemplateError(file: file, line: scalar.mark?.line ?? line, problem: "the key \(JSONText.quote(scalar.string)) contains '{{': placeholders are substituted in values only, not in keys")
        }
        return scalar.string
    }

    private func mergeSources(_ value: Node) throws(TemplateError) -> [Node.Mapping] {
        switch value {
        case .mapping(let mapping): return [mapping]
        case .sequence(let sequence):
            var sources: [Node.Mapping] = []
            for item in sequence {
                guard case .mapping(let mapping) = item else {
                    throw TemplateError(file: file, line: item.mark?.line ?? 1, problem: "a YAML merge key '<<' takes a mapping or a list of mappings")
                }
                sources.append(mapping)
            }
            return sources
        default:
            throw TemplateError(file: file, line: value.mark?.line ?? 1, problem: "a YAML merge key '<<' takes a mapping or a list of mappings")
        }
    }

    private func checkCollectionTag(_ tag: String, allowed: String, line: Int) throws(TemplateError) {
        guard tag.isEmpty || tag == allowed else {
            throw TemplateError(file: file, line: line, problem: "the tag \(tag) is not supported in a Job template; use plain mappings and lists")
        }
    }

    static func templateError(_ error: YamlError, file: String, yaml: String) -> TemplateError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _), .composer(let context, let problem, let mark, _):
            var text = "invalid YAML: \(problem)"
            if let context { text += " (\(context.text), line \(context.mark.line))" }
            return TemplateError(file: file, line: mark.line, problem: text)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return TemplateError(file: file, line: context.mark.line, problem: "invalid YAML: the key \(duplicates.map { JSONText.quote($0) }.joined(separator: ", ")) appears more than once in one mapping")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { yaml.prefix($0).count(where: { $0 == "\n" }) + 1 }
            return TemplateError(file: file, line: line, problem: "the file is not readable as UTF-8 YAML: \(problem)")
        default:
            return TemplateError(file: file, line: nil, problem: "invalid YAML: \(error)")
        }
    }
}

import Common
import FoundationEssentials
import YAML

/// Reads the template's YAML into a `TemplateNode`, resolving scalars with `YAMLScalar`'s rules,
/// compiling placeholders, and remembering the line of every value for later error messages.
struct TemplateYAMLReader {
    let file: String
    /// Line of the value at each path (`spec.template.spec.containers[0].env`), 1-based.
    private(set) var lines: [String: Int] = [:]

    init(file: String) { self.file = file }

    mutating func read(_ yaml: String) throws(TemplateError) -> TemplateNode {
        let root: YAMLNode?
        do {
            // Scalars come as written (text, tag, style); `YAMLScalar` resolves untagged plain
            // ones itself, so the rules are ours and documented in one place.
            root = try YAMLParser.document(yaml)
        } catch {
            throw Self.templateError(error, file: file, yaml: yaml)
        }
        guard let root else {
            throw TemplateError(file: file, line: nil, problem: "the file holds no YAML document; it must hold one complete batch/v1 Job")
        }
        return try convert(root, path: "", keyLine: nil)
    }

    /// `keyLine` is the line of the mapping key naming this value: errors about a member point
    /// at `containers:` rather than at the first line of what follows it.
    private mutating func convert(_ node: YAMLNode, path: String, keyLine: Int?) throws(TemplateError) -> TemplateNode {
        let line = node.mark.line
        lines[path] = keyLine ?? line
        switch node {
        case .scalar(let scalar):
            return try convert(scalar, line: line)
        case .sequence(let sequence):
            try checkCollectionTag(sequence.tag, allowed: "tag:yaml.org,2002:seq", line: line)
            var items: [TemplateNode] = []
            for (index, item) in sequence.items.enumerated() {
                items.append(try convert(item, path: "\(path)[\(index)]", keyLine: nil))
            }
            return .array(collapsing: items)
        case .mapping(let mapping):
            try checkCollectionTag(mapping.tag, allowed: "tag:yaml.org,2002:map", line: line)
            var members: [String: TemplateNode] = [:]
            var merged: [YAMLNode.Mapping] = []
            for pair in mapping.pairs {
                let key = try keyText(pair.key, line: line)
                if key == "<<", pair.key.scalar?.style == .plain {
                    merged += try mergeSources(pair.value)
                    continue
                }
                let memberPath = path.isEmpty ? key : "\(path).\(key)"
                members[key] = try convert(pair.value, path: memberPath, keyLine: pair.key.mark.line)
            }
            // YAML merge keys: explicit keys win, then earlier merged mappings over later ones.
            for source in merged {
                for pair in source.pairs {
                    let key = try keyText(pair.key, line: line)
                    guard members[key] == nil else { continue }
                    members[key] = try convert(pair.value, path: path.isEmpty ? key : "\(path).\(key)", keyLine: pair.key.mark.line)
                }
            }
            return .object(collapsing: members)
        }
    }

    private func convert(_ scalar: YAMLNode.Scalar, line: Int) throws(TemplateError) -> TemplateNode {
        let tag = scalar.tag
        let isString = tag == "!" || tag == "tag:yaml.org,2002:str" || (tag.isEmpty && scalar.style != .plain)
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
    private func keyText(_ key: YAMLNode, line: Int) throws(TemplateError) -> String {
        guard case .scalar(let scalar) = key else {
            // `image: {{ config.image }}` lands here: YAML reads unquoted braces as a flow
            // mapping whose key is another mapping.
            throw TemplateError(file: file, line: key.mark.line, problem: "a mapping key must be a plain string, not a \(key.mapping != nil ? "mapping" : "list"); a value that starts with '{{' must be quoted, since YAML reads an unquoted {{ … }} as a mapping: write \"{{ … }}\"")
        }
        if scalar.string.contains("{{") {
            throw TemplateError(file: file, line: scalar.mark.line, problem: "the key \(JSONText.quote(scalar.string)) contains '{{': placeholders are substituted in values only, not in keys")
        }
        return scalar.string
    }

    private func mergeSources(_ value: YAMLNode) throws(TemplateError) -> [YAMLNode.Mapping] {
        switch value {
        case .mapping(let mapping): return [mapping]
        case .sequence(let sequence):
            var sources: [YAMLNode.Mapping] = []
            for item in sequence.items {
                guard case .mapping(let mapping) = item else {
                    throw TemplateError(file: file, line: item.mark.line, problem: "a YAML merge key '<<' takes a mapping or a list of mappings")
                }
                sources.append(mapping)
            }
            return sources
        default:
            throw TemplateError(file: file, line: value.mark.line, problem: "a YAML merge key '<<' takes a mapping or a list of mappings")
        }
    }

    private func checkCollectionTag(_ tag: String, allowed: String, line: Int) throws(TemplateError) {
        guard tag.isEmpty || tag == allowed else {
            throw TemplateError(file: file, line: line, problem: "the tag \(tag) is not supported in a Job template; use plain mappings and lists")
        }
    }

    static func templateError(_ error: YAMLError, file: String, yaml: String) -> TemplateError {
        switch error.kind {
        case .syntax:
            var text = "invalid YAML: \(error.problem)"
            if let context = error.context, let mark = error.contextMark { text += " (\(context), line \(mark.line))" }
            return TemplateError(file: file, line: error.mark?.line, problem: text)
        case .repeatedKeys(let keys):
            return TemplateError(file: file, line: error.mark?.line, problem: "invalid YAML: the key \(keys.map { JSONText.quote($0) }.joined(separator: ", ")) appears more than once in one mapping")
        case .unreadable(let offset):
            let line = yaml.utf8.prefix(offset).count(where: { $0 == UInt8(ascii: "\n") }) + 1
            return TemplateError(file: file, line: line, problem: "the file is not readable as UTF-8 YAML: \(error.problem)")
        }
    }
}

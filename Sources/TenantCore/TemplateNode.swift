import Common

/// The template compiled once at startup: JSON whose strings may hold placeholders. Subtrees
/// without placeholders are kept as finished `JSONValue`s, so rendering tens of thousands of
/// accounts only rebuilds the few templated branches.
indirect enum TemplateNode: Sendable, Equatable {
    case literal(JSONValue)
    case text([TextSegment])
    case array([TemplateNode])
    case object([String: TemplateNode])

    /// Builds a node from children, collapsing to a literal when no child is templated.
    static func array(collapsing items: [TemplateNode]) -> TemplateNode {
        var values: [JSONValue] = []
        values.reserveCapacity(items.count)
        for item in items {
            guard case .literal(let value) = item else { return .array(items) }
            values.append(value)
        }
        return .literal(.array(values))
    }

    static func object(collapsing members: [String: TemplateNode]) -> TemplateNode {
        var values: [String: JSONValue] = [:]
        for (key, member) in members {
            guard case .literal(let value) = member else { return .object(members) }
            values[key] = value
        }
        return .literal(.object(values))
    }

    subscript(key: String) -> TemplateNode? {
        switch self {
        case .object(let members): members[key]
        case .literal(let value): value[key].map(TemplateNode.literal)
        default: nil
        }
    }

    var arrayItems: [TemplateNode]? {
        switch self {
        case .array(let items): items
        case .literal(.array(let values)): values.map(TemplateNode.literal)
        default: nil
        }
    }

    var isObject: Bool {
        switch self {
        case .object, .literal(.object): true
        default: false
        }
    }

    /// The node at `path` (object keys), nil where one is missing.
    func node(at path: [String]) -> TemplateNode? {
        var node: TemplateNode? = self
        for key in path { node = node?[key] }
        return node
    }

    /// A string with placeholders.
    var isText: Bool {
        if case .text = self { return true }
        return false
    }

    /// The string when it holds no placeholder.
    var literalString: String? {
        if case .literal(.string(let s)) = self { return s }
        return nil
    }

    /// The rendered JSON. `context` is where this node sits: a substituted value that lands where
    /// Kubernetes expands `$(VAR)` has every `$` doubled (`VariableExpansion.escape`), so the
    /// container sees account data exactly as written; literal template text is left as the
    /// template's author wrote it, `$(VAR)` references included.
    func render(in context: VariableExpansion.Context = .none, _ substitute: (Placeholder, Int) throws(RenderError) -> String) throws(RenderError) -> JSONValue {
        switch self {
        case .literal(let value):
            return value
        case .text(let segments):
            var out = ""
            for segment in segments {
                switch segment {
                case .literal(let text): out += text
                case .placeholder(let placeholder, let line):
                    let value = try substitute(placeholder, line)
                    out += context == .expanded ? VariableExpansion.escape(value) : value
                }
            }
            return .string(out)
        case .array(let items):
            var values: [JSONValue] = []
            values.reserveCapacity(items.count)
            let itemContext = context.item
            for item in items { values.append(try item.render(in: itemContext, substitute)) }
            return .array(values)
        case .object(let members):
            var values: [String: JSONValue] = [:]
            for (key, member) in members { values[key] = try member.render(in: context.member(key), substitute) }
            return .object(values)
        }
    }

    /// The `{{ config.… }}` placeholders under this node, ordered by line then path.
    func configLookups() -> [ConfigLookup] {
        var out: [ConfigLookup] = []
        collectConfigLookups(into: &out)
        return out.sorted { ($0.line, $0.keys.joined(separator: ".")) < ($1.line, $1.keys.joined(separator: ".")) }
    }

    /// Whether any value holds `placeholder`.
    func uses(_ placeholder: Placeholder) -> Bool {
        switch self {
        case .literal: false
        case .text(let segments): segments.contains { if case .placeholder(placeholder, _) = $0 { true } else { false } }
        case .array(let items): items.contains { $0.uses(placeholder) }
        case .object(let members): members.values.contains { $0.uses(placeholder) }
        }
    }

    private func collectConfigLookups(into out: inout [ConfigLookup]) {
        switch self {
        case .literal: return
        case .text(let segments):
            for case .placeholder(.config(let keys), let line) in segments { out.append(ConfigLookup(keys: keys, line: line)) }
        case .array(let items):
            for item in items { item.collectConfigLookups(into: &out) }
        case .object(let members):
            for member in members.values { member.collectConfigLookups(into: &out) }
        }
    }
}

/// One `{{ config.a.b }}` of the template and the line it is on.
struct ConfigLookup: Sendable, Equatable {
    var keys: [String]
    var line: Int
}

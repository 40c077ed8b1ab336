import CYAML

/// Reads YAML text into `YAMLNode`s with the system libyaml's event parser. One document per text:
/// Job templates and kubeconfig files are single documents, and a second one is more likely a
/// mistake than something to ignore.
public enum YAMLParser {
    /// Collections nested deeper than this are refused: the composer recurses once per level, and
    /// no template or kubeconfig comes close.
    public static let maximumDepth = 256

    /// The document in `text`, or nil when it holds none (empty, or only comments).
    public static func document(_ text: String) throws(YAMLError) -> YAMLNode? {
        var text = text
        let result: Result<YAMLNode?, YAMLError> = text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return .success(nil) }
            let composer = Composer(UnsafeBufferPointer(start: base, count: bytes.count))
            do throws(YAMLError) {
                return .success(try composer.singleDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Builds nodes from libyaml's events: one pass, anchors remembered as their nodes complete.
private final class Composer {
    /// What the composer needs of one libyaml event, copied out so the event can be freed at once.
    private struct Event {
        var type: yaml_event_type_t
        var mark: YAMLNode.Mark
        var anchor: String? = nil
        var tag = ""
        var value = ""
        var style = YAMLNode.Scalar.Style.plain
    }

    // On the heap: libyaml's parser is a large struct that must not move while in use.
    private let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    private var anchors: [String: YAMLNode] = [:]

    /// `bytes` must stay valid as long as the composer is used.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        // Fails only when out of memory, which the first `yaml_parser_parse` then reports.
        yaml_parser_initialize(parser)
        yaml_parser_set_input_string(parser, bytes.baseAddress, bytes.count)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
    }

    func singleDocument() throws(YAMLError) -> YAMLNode? {
        _ = try next()  // stream start
        let start = try next()
        if start.type == YAML_STREAM_END_EVENT { return nil }
        let root = try node(try next(), depth: 0)
        _ = try next()  // document end
        let after = try next()
        guard after.type == YAML_STREAM_END_EVENT else {
            throw YAMLError(kind: .syntax, problem: "a second YAML document starts here ('---'); the file must hold exactly one", mark: after.mark)
        }
        return root
    }

    private func node(_ event: Event, depth: Int) throws(YAMLError) -> YAMLNode {
        guard depth <= YAMLParser.maximumDepth else {
            throw YAMLError(kind: .syntax, problem: "collections are nested more than \(YAMLParser.maximumDepth) levels deep", mark: event.mark)
        }
        let node: YAMLNode
        switch event.type {
        case YAML_ALIAS_EVENT:
            guard let name = event.anchor, let target = anchors[name] else {
                throw YAMLError(kind: .syntax, problem: "the alias *\(event.anchor ?? "") names no anchor (&name) defined before it", mark: event.mark)
            }
            return target
        case YAML_SCALAR_EVENT:
            node = .scalar(YAMLNode.Scalar(string: event.value, tag: event.tag, style: event.style, mark: event.mark))
        case YAML_SEQUENCE_START_EVENT:
            var items: [YAMLNode] = []
            while true {
                let item = try next()
                if item.type == YAML_SEQUENCE_END_EVENT { break }
                items.append(try self.node(item, depth: depth + 1))
            }
            node = .sequence(YAMLNode.Sequence(items: items, tag: event.tag, mark: event.mark))
        case YAML_MAPPING_START_EVENT:
            var pairs: [YAMLNode.Pair] = []
            var seen: Set<String> = []
            var repeated: [String] = []
            var firstRepeat: YAMLNode.Mark?
            while true {
                let keyEvent = try next()
                if keyEvent.type == YAML_MAPPING_END_EVENT { break }
                let key = try self.node(keyEvent, depth: depth + 1)
                let value = try self.node(try next(), depth: depth + 1)
                if let text = key.string, !seen.insert(text).inserted, !repeated.contains(text) {
                    repeated.append(text)
                    firstRepeat = firstRepeat ?? key.mark
                }
                pairs.append(YAMLNode.Pair(key: key, value: value))
            }
            guard repeated.isEmpty else {
                throw YAMLError(kind: .repeatedKeys(repeated), problem: "a key appears more than once in one mapping", mark: firstRepeat)
            }
            node = .mapping(YAMLNode.Mapping(pairs: pairs, tag: event.tag, mark: event.mark))
        default:
            // libyaml's grammar puts only nodes here; anything else is a composer bug.
            throw YAMLError(kind: .syntax, problem: "unexpected YAML event \(event.type.rawValue)", mark: event.mark)
        }
        if let name = event.anchor { anchors[name] = node }
        return node
    }

    private func next() throws(YAMLError) -> Event {
        var raw = yaml_event_t()
        guard yaml_parser_parse(parser, &raw) == 1 else { throw failure() }
        defer { yaml_event_delete(&raw) }
        var event = Event(type: raw.type, mark: Self.mark(raw.start_mark))
        switch raw.type {
        case YAML_SCALAR_EVENT:
            let scalar = raw.data.scalar
            event.anchor = Self.text(scalar.anchor)
            event.tag = Self.text(scalar.tag) ?? ""
            event.value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            event.style = Self.style(scalar.style)
        case YAML_ALIAS_EVENT:
            event.anchor = Self.text(raw.data.alias.anchor)
        case YAML_SEQUENCE_START_EVENT:
            event.anchor = Self.text(raw.data.sequence_start.anchor)
            event.tag = Self.text(raw.data.sequence_start.tag) ?? ""
        case YAML_MAPPING_START_EVENT:
            event.anchor = Self.text(raw.data.mapping_start.anchor)
            event.tag = Self.text(raw.data.mapping_start.tag) ?? ""
        default:
            break
        }
        return event
    }

    private func failure() -> YAMLError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "libyaml stopped without a reason"
        switch state.error {
        case YAML_MEMORY_ERROR:
            return YAMLError(kind: .syntax, problem: "out of memory while reading YAML", mark: nil)
        case YAML_READER_ERROR:
            return YAMLError(kind: .unreadable(offset: Int(state.problem_offset)), problem: problem, mark: nil)
        default:
            let context = state.context.map { String(cString: $0) }
            return YAMLError(kind: .syntax, problem: problem, mark: Self.mark(state.problem_mark),
                             context: context, contextMark: context == nil ? nil : Self.mark(state.context_mark))
        }
    }

    private static func mark(_ mark: yaml_mark_t) -> YAMLNode.Mark {
        YAMLNode.Mark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafePointer($0)) }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLNode.Scalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }
}

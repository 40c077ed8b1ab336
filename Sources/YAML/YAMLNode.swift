/// One node of a YAML document as written: scalars keep their text, explicit tag and style (no
/// type is guessed here; whoever reads the document decides what `8080` or `yes` means), and every
/// node keeps the line it starts on, for error messages. Aliases are already replaced by the node
/// their anchor names.
public enum YAMLNode: Sendable, Equatable {
    case scalar(Scalar)
    case sequence(Sequence)
    case mapping(Mapping)

    /// Where a node starts, 1-based.
    public struct Mark: Sendable, Equatable {
        public var line: Int
        public var column: Int

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    public struct Scalar: Sendable, Equatable {
        public enum Style: Sendable, Equatable {
            case plain, singleQuoted, doubleQuoted, literal, folded
        }

        public var string: String
        /// The explicit tag as libyaml expands it (`!!str` is `tag:yaml.org,2002:str`, a bare `!`
        /// stays `!`); empty when the scalar has none.
        public var tag: String
        public var style: Style
        public var mark: Mark
    }

    public struct Sequence: Sendable, Equatable {
        public var items: [YAMLNode]
        public var tag: String
        public var mark: Mark
    }

    public struct Mapping: Sendable, Equatable {
        /// In document order; keys are unique (a repeated key is a parse error).
        public var pairs: [Pair]
        public var tag: String
        public var mark: Mark
    }

    public struct Pair: Sendable, Equatable {
        public var key: YAMLNode
        public var value: YAMLNode
    }

    public var mark: Mark {
        switch self {
        case .scalar(let s): s.mark
        case .sequence(let s): s.mark
        case .mapping(let m): m.mark
        }
    }

    public var scalar: Scalar? {
        if case .scalar(let s) = self { return s }
        return nil
    }

    public var mapping: Mapping? {
        if case .mapping(let m) = self { return m }
        return nil
    }

    public var sequence: Sequence? {
        if case .sequence(let s) = self { return s }
        return nil
    }

    /// The text of a scalar, whatever its tag or style.
    public var string: String? { scalar?.string }

    /// A boolean as YAML 1.1 spells it (`true`, `yes`, `on`, `false`, `no`, `off`, each also
    /// capitalized or in capitals), which is what kubectl's YAML reader accepts, in an untagged
    /// plain scalar or one tagged `!!bool`; nil for anything else.
    public var bool: Bool? {
        guard let s = scalar, (s.tag.isEmpty && s.style == .plain) || s.tag == "tag:yaml.org,2002:bool" else { return nil }
        switch s.string {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// The value of `key` in a mapping whose keys are scalars; nil when absent or not a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.pairs.first(where: { $0.key.scalar?.string == key })?.value
    }
}

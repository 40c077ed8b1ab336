/// Why a text is not one well-formed YAML document. `problem` and `context` are libyaml's words
/// (or ours for repeated keys and extra documents); they quote no document text, so a secret in
/// the file never reaches an error message.
public struct YAMLError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Bytes libyaml cannot read (a control character, say); `offset` is where, in bytes.
        case unreadable(offset: Int)
        /// Not valid YAML syntax, an undefined alias, or more than one document.
        case syntax
        /// The same key more than once in one mapping (listed in document order; `mark` is the
        /// first repetition).
        case repeatedKeys([String])
    }

    public var kind: Kind
    public var problem: String
    /// Where the problem is, when known.
    public var mark: YAMLNode.Mark?
    /// What libyaml was reading when it found the problem, and where that started.
    public var context: String?
    public var contextMark: YAMLNode.Mark?

    public init(kind: Kind, problem: String, mark: YAMLNode.Mark?, context: String? = nil, contextMark: YAMLNode.Mark? = nil) {
        self.kind = kind
        self.problem = problem
        self.mark = mark
        self.context = context
        self.contextMark = contextMark
    }
}

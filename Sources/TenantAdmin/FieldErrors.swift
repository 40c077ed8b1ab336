/// What is wrong with a request, field by field (`config.env.MY VAR` → "must match …"): the API
/// answers it as 422, the CLI prints it and exits 2.
public struct FieldErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public private(set) var fields: [String: String]

    public init(_ fields: [String: String] = [:]) { self.fields = fields }

    public var isEmpty: Bool { fields.isEmpty }

    public mutating func add(_ field: String, _ problem: String) {
        if fields[field] == nil { fields[field] = problem }
    }

    public var description: String {
        fields.keys.sorted().map { "\($0): \(fields[$0]!)" }.joined(separator: "; ")
    }
}

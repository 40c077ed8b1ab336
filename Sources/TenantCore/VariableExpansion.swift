/// Kubernetes expands `$(VAR)` in a container's `command`, `args` and `env[].value` from the
/// container's environment, and turns `$$` into `$` (kubernetes/kubernetes
/// third_party/forked/golang/expansion/expand.go). Account data placed there is data, not a
/// reference: doubling every `$` makes the container see it exactly as written, `$(DATABASE_URL)`
/// and `$$(VAR)` included.
public enum VariableExpansion {
    public static func escape(_ value: String) -> String {
        guard value.contains("$") else { return value }
        var out = ""
        for character in value {
            if character == "$" { out.append("$") }
            out.append(character)
        }
        return out
    }

    /// Where a template node sits, as far as expansion is concerned.
    public enum Context: Sendable, Equatable {
        case none
        /// A string Kubernetes expands: an item of `command` or `args`, an env entry's `value`.
        case expanded
        /// The items of an `env` list.
        case envList
        /// One `env` entry (`name`, `value`, `valueFrom`).
        case envEntry

        var item: Context {
            switch self {
            case .expanded: .expanded
            case .envList: .envEntry
            case .none, .envEntry: .none
            }
        }

        func member(_ key: String) -> Context {
            switch key {
            case "command", "args": .expanded
            case "env": .envList
            case "value" where self == .envEntry: .expanded
            default: .none
            }
        }
    }
}

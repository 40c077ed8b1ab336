import Common
import FoundationEssentials

/// The Job template file (`JOB_TEMPLATE`): a complete batch/v1 Job whose string values may hold
/// placeholders. Parsed and validated once at startup; rendering per account cannot fail on the
/// template's shape, only on an account's own data (`RenderError`).
public struct JobTemplate: Sendable, Equatable {
    /// `metadata.name`: Job names are `<prefix>-<suffix>`.
    public let prefix: String
    public let file: String
    /// sha256 of the template's text: what an OOM memory override was computed against.
    public let contentHash: String
    let root: TemplateNode
    /// Every `{{ config.… }}` of the template, by line: what `check` looks up without rendering.
    let configLookups: [ConfigLookup]

    /// Whether the template shows `{{ display_name }}`; if not, a provisioner need not keep
    /// 10,000 display names in memory (they are not part of the rendered Job, so not of its hash).
    public var usesDisplayName: Bool { root.uses(.displayName) }

    /// Parses and validates template text; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws(TemplateError) -> JobTemplate {
        var reader = TemplateYAMLReader(file: file)
        let root = try reader.read(yaml)
        let validator = JobShapeValidator(file: file, lines: reader.lines)
        let prefix = try validator.validate(root)
        return JobTemplate(prefix: prefix, file: file, contentHash: SHA256.hex(yaml), root: root, configLookups: root.configLookups())
    }
}

/// Checks that the template is a Job we can render: batch/v1, kind Job, a literal name prefix,
/// at least one container, env lists and resources of the shape rendering edits.
struct JobShapeValidator {
    let file: String
    let lines: [String: Int]

    func validate(_ root: TemplateNode) throws(TemplateError) -> String {
        guard root.isObject else {
            throw error("", "the template must be a YAML mapping holding one complete batch/v1 Job (apiVersion, kind, metadata, spec)")
        }
        let apiVersion = root["apiVersion"]
        guard apiVersion?.literalString == "batch/v1" else {
            throw error(apiVersion == nil ? "" : "apiVersion", "apiVersion is \(describe(apiVersion)); the template must be a Job of apiVersion batch/v1")
        }
        let kind = root["kind"]
        guard kind?.literalString == "Job" else {
            throw error(kind == nil ? "" : "kind", "kind is \(describe(kind)); the template must be a Job (kind: Job), not another kind of object")
        }
        guard let metadata = root["metadata"], metadata.isObject else {
            throw error("", "metadata is missing; set metadata.name to the Job name prefix, e.g. \"tenant\"")
        }
        if metadata["generateName"] != nil {
            throw error("metadata.generateName", "metadata.generateName is not supported: Job names are <metadata.name>-<account suffix>; remove generateName")
        }
        guard let name = metadata["name"] else {
            throw error("metadata", "metadata.name is missing; it is the Job name prefix, e.g. \"tenant\"")
        }
        guard let prefix = name.literalString else {
            throw error("metadata.name", "metadata.name must be a plain string without placeholders: it is the Job name prefix, and the provisioner appends the account suffix itself")
        }
        if let problem = JobNaming.prefixProblem(prefix) {
            throw error("metadata.name", problem)
        }
        for field in ["labels", "annotations"] {
            if let value = metadata[field], !value.isObject {
                throw error("metadata.\(field)", "metadata.\(field) must be a mapping of string to string")
            }
        }
        guard let spec = root["spec"], spec.isObject else {
            throw error("", "spec is missing; a Job needs spec.template.spec.containers")
        }
        guard let podTemplate = spec["template"], podTemplate.isObject else {
            throw error("spec", "spec.template is missing; a Job needs spec.template.spec.containers")
        }
        if let podMetadata = podTemplate["metadata"] {
            guard podMetadata.isObject else { throw error("spec.template.metadata", "spec.template.metadata must be a mapping") }
            if let labels = podMetadata["labels"], !labels.isObject {
                throw error("spec.template.metadata.labels", "spec.template.metadata.labels must be a mapping of string to string")
            }
        }
        guard let podSpec = podTemplate["spec"], podSpec.isObject else {
            throw error("spec.template", "spec.template.spec is missing; a Job needs spec.template.spec.containers")
        }
        guard let containers = podSpec["containers"]?.arrayItems, !containers.isEmpty else {
            throw error(podSpec["containers"] == nil ? "spec.template.spec" : "spec.template.spec.containers", "spec.template.spec.containers must be a non-empty list of containers")
        }
        try validateContainers(containers, path: "spec.template.spec.containers")
        if let initContainers = podSpec["initContainers"] {
            guard let items = initContainers.arrayItems else {
                throw error("spec.template.spec.initContainers", "spec.template.spec.initContainers must be a list of containers")
            }
            try validateContainers(items, path: "spec.template.spec.initContainers")
        }
        return prefix
    }

    private func validateContainers(_ containers: [TemplateNode], path: String) throws(TemplateError) {
        for (index, container) in containers.enumerated() {
            let at = "\(path)[\(index)]"
            guard container.isObject else { throw error(at, "\(at) must be a mapping describing a container") }
            guard container["name"] != nil else { throw error(at, "\(at) has no name; every container needs one") }
            if let env = container["env"] {
                guard let entries = env.arrayItems else { throw error("\(at).env", "\(at).env must be a list of {name, value} entries") }
                for (i, entry) in entries.enumerated() where entry["name"]?.literalString == nil {
                    throw error("\(at).env[\(i)]", "\(at).env[\(i)] needs a plain string name")
                }
            }
            if let resources = container["resources"] {
                guard resources.isObject else { throw error("\(at).resources", "\(at).resources must be a mapping") }
                for field in ["requests", "limits"] {
                    if let value = resources[field], !value.isObject {
                        throw error("\(at).resources.\(field)", "\(at).resources.\(field) must be a mapping")
                    }
                }
            }
        }
    }

    private func describe(_ node: TemplateNode?) -> String {
        guard let node else { return "missing" }
        if let text = node.literalString { return JSONText.quote(text) }
        if case .literal(let value) = node { return value.canonicalJSON }
        return "templated"
    }

    /// The error at the line of `path`, or of its nearest recorded ancestor.
    private func error(_ path: String, _ problem: String) -> TemplateError {
        var at = path
        while lines[at] == nil, !at.isEmpty {
            if let cut = at.lastIndex(where: { $0 == "." || $0 == "[" }) { at = String(at[..<cut]) } else { at = "" }
        }
        return TemplateError(file: file, line: lines[at] ?? 1, problem: problem)
    }
}

import Common
import FoundationEssentials

/// The Job template file (`JOB_TEMPLATE`): a complete batch/v1 Job, batch/v1 CronJob or apps/v1
/// Deployment (`kind`) whose string values may hold placeholders. Parsed and validated once at
/// startup; rendering per account cannot fail on the template's shape, only on an account's own
/// data (`RenderError`).
public struct JobTemplate: Sendable, Equatable {
    /// What each account gets.
    public let kind: WorkloadKind
    /// `metadata.name`: object names are `<prefix>-<suffix>`.
    public let prefix: String
    public let file: String
    /// sha256 of the template's text: what an OOM memory override was computed against.
    public let contentHash: String
    let root: TemplateNode
    /// Every `{{ config.… }}` of the template, by line: what `check` looks up without rendering.
    let configLookups: [ConfigLookup]

    /// The names of the pod template's `imagePullSecrets` (literal names only): where the
    /// registry credentials for digest pinning come from.
    public var imagePullSecretNames: [String] {
        (root.node(at: kind.podTemplatePath + ["spec", "imagePullSecrets"])?.arrayItems ?? []).compactMap { $0["name"]?.literalString }
    }

    /// The images the template's containers and init containers name, for `RESOLVE_IMAGE_DIGESTS`
    /// to resolve (pinned ones left out, each tag once, in template order). An image built from a
    /// placeholder cannot be resolved ahead of the render, nor can one that is not an image
    /// reference: each is a `problems` entry (the provisioner refuses to start with pinning on).
    public var namedImages: (references: [ImageReference], problems: [String]) {
        var references: [ImageReference] = []
        var problems: [String] = []
        let podSpec = root.node(at: kind.podTemplatePath + ["spec"])
        for field in ["containers", "initContainers"] {
            for (index, container) in (podSpec?[field]?.arrayItems ?? []).enumerated() {
                let at = "\(kind.podTemplatePath.joined(separator: ".")).spec.\(field)[\(index)].image"
                guard let node = container["image"] else { continue }
                guard let image = node.literalString else {
                    problems.append("\(at) is built from a placeholder; with RESOLVE_IMAGE_DIGESTS the images must be named in the template (pin per-account images yourself with @sha256:…, or turn RESOLVE_IMAGE_DIGESTS off)")
                    continue
                }
                switch ImageReference.parse(image) {
                case .failure(let error): problems.append("\(at): \(error)")
                case .success(let reference):
                    if !reference.isPinned, !references.contains(where: { $0.key == reference.key }) { references.append(reference) }
                }
            }
        }
        return (references, problems)
    }

    /// Whether the template shows `{{ display_name }}`; if not, a provisioner need not keep
    /// 10,000 display names in memory (they are not part of the rendered Job, so not of its hash).
    public var usesDisplayName: Bool { root.uses(.displayName) }

    /// Parses and validates template text; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws(TemplateError) -> JobTemplate {
        var reader = TemplateYAMLReader(file: file)
        let root = try reader.read(yaml)
        let validator = JobShapeValidator(file: file, lines: reader.lines)
        let (kind, prefix) = try validator.validate(root)
        return JobTemplate(kind: kind, prefix: prefix, file: file, contentHash: SHA256.hex(yaml), root: root, configLookups: root.configLookups())
    }
}

/// Checks that the template is an object we can render: a batch/v1 Job or CronJob or an apps/v1
/// Deployment, a literal name prefix, a pod template (wherever the kind keeps it) with at least
/// one container, env lists and resources of the shape rendering edits.
struct JobShapeValidator {
    let file: String
    let lines: [String: Int]

    func validate(_ root: TemplateNode) throws(TemplateError) -> (WorkloadKind, String) {
        guard root.isObject else {
            throw error("", "the template must be a YAML mapping holding one complete \(WorkloadKind.allowed) (apiVersion, kind, metadata, spec)")
        }
        let kindNode = root["kind"]
        guard let kind = kindNode?.literalString.flatMap(WorkloadKind.init(rawValue:)) else {
            throw error(kindNode == nil ? "" : "kind", "kind is \(describe(kindNode)); the template must be a \(WorkloadKind.allowed)")
        }
        let apiVersion = root["apiVersion"]
        guard apiVersion?.literalString == kind.apiVersion else {
            throw error(apiVersion == nil ? "" : "apiVersion", "apiVersion is \(describe(apiVersion)); a \(kind.rawValue) template needs apiVersion \(kind.apiVersion)")
        }
        let object = kind.rawValue
        guard let metadata = root["metadata"], metadata.isObject else {
            throw error("", "metadata is missing; set metadata.name to the \(object) name prefix, e.g. \"tenant\"")
        }
        if metadata["generateName"] != nil {
            throw error("metadata.generateName", "metadata.generateName is not supported: \(object) names are <metadata.name>-<account suffix>; remove generateName")
        }
        guard let name = metadata["name"] else {
            throw error("metadata", "metadata.name is missing; it is the \(object) name prefix, e.g. \"tenant\"")
        }
        guard let prefix = name.literalString else {
            throw error("metadata.name", "metadata.name must be a plain string without placeholders: it is the \(object) name prefix, and the provisioner appends the account suffix itself")
        }
        if let problem = JobNaming.prefixProblem(prefix, maxLength: kind.maxNameLength) {
            throw error("metadata.name", problem)
        }
        for field in ["labels", "annotations"] {
            if let value = metadata[field], !value.isObject {
                throw error("metadata.\(field)", "metadata.\(field) must be a mapping of string to string")
            }
        }
        let podPath = kind.podTemplatePath.joined(separator: ".")
        guard let spec = root["spec"], spec.isObject else {
            throw error("", "spec is missing; a \(object) needs \(podPath).spec.containers")
        }
        switch kind {
        case .job:
            break
        case .deployment:
            // The selector is immutable: made of the managed labels, it never changes.
            if spec["selector"] != nil {
                throw error("spec.selector", "spec.selector is set by the provisioner (the managed labels of the account, which never change: a Deployment's selector is immutable); remove it from the template")
            }
        case .cronJob:
            guard let schedule = spec["schedule"], schedule.literalString != nil || schedule.isText else {
                throw error(spec["schedule"] == nil ? "spec" : "spec.schedule", "spec.schedule must be a cron schedule such as \"0 5 * * *\" (placeholders allowed)")
            }
            guard let jobTemplate = spec["jobTemplate"], jobTemplate.isObject, let jobSpec = jobTemplate["spec"], jobSpec.isObject else {
                throw error("spec", "spec.jobTemplate.spec is missing; a CronJob needs \(podPath).spec.containers")
            }
            if let jobMetadata = jobTemplate["metadata"] {
                guard jobMetadata.isObject else { throw error("spec.jobTemplate.metadata", "spec.jobTemplate.metadata must be a mapping") }
                for field in ["labels", "annotations"] {
                    if let value = jobMetadata[field], !value.isObject {
                        throw error("spec.jobTemplate.metadata.\(field)", "spec.jobTemplate.metadata.\(field) must be a mapping of string to string")
                    }
                }
            }
        }
        let parent = kind.podTemplatePath.dropLast().joined(separator: ".")
        guard let podTemplate = root.node(at: kind.podTemplatePath), podTemplate.isObject else {
            throw error(parent, "\(podPath) is missing; a \(object) needs \(podPath).spec.containers")
        }
        if let podMetadata = podTemplate["metadata"] {
            guard podMetadata.isObject else { throw error("\(podPath).metadata", "\(podPath).metadata must be a mapping") }
            if let labels = podMetadata["labels"], !labels.isObject {
                throw error("\(podPath).metadata.labels", "\(podPath).metadata.labels must be a mapping of string to string")
            }
        }
        guard let podSpec = podTemplate["spec"], podSpec.isObject else {
            throw error(podPath, "\(podPath).spec is missing; a \(object) needs \(podPath).spec.containers")
        }
        guard let containers = podSpec["containers"]?.arrayItems, !containers.isEmpty else {
            throw error(podSpec["containers"] == nil ? "\(podPath).spec" : "\(podPath).spec.containers", "\(podPath).spec.containers must be a non-empty list of containers")
        }
        try validateContainers(containers, path: "\(podPath).spec.containers")
        if let initContainers = podSpec["initContainers"] {
            guard let items = initContainers.arrayItems else {
                throw error("\(podPath).spec.initContainers", "\(podPath).spec.initContainers must be a list of containers")
            }
            try validateContainers(items, path: "\(podPath).spec.initContainers")
        }
        return (kind, prefix)
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

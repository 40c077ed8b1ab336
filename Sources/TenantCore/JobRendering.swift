import Common

extension JobTemplate {
    /// The account's Job: placeholders substituted, then name, namespace, managed labels (on the
    /// Job and its pod template), annotations, environment and optional memory override set, in
    /// that order, so what the provisioner sets always wins over what the template says.
    ///
    /// Every substituted value that lands in `command`, `args` or an env value, and every injected
    /// env value, has its `$` doubled (`VariableExpansion`): the container sees it as written.
    ///
    /// Environment of every container and init container: `ACCOUNT_ID` first (so template entries
    /// can refer to `$(ACCOUNT_ID)`), then the template's entries in their order, an entry whose
    /// name is in `config.env` taking the account's value in place, then the remaining
    /// `config.env` entries sorted by name. `ACCOUNT_ID` always wins, over the template and over
    /// `config.env`.
    ///
    /// `memoryOverride` (the OOM escalation's `account_status.memory_override`) sets the memory
    /// request and limit of every container (not init containers, whose memory is not what ran out).
    ///
    /// `pins` (`RESOLVE_IMAGE_DIGESTS`): every image they know a digest for is pinned to it, and the
    /// `tenant-provisioner/image-digests` annotation says which (none when nothing was pinned,
    /// so a render without digests is the Job it always was). Both are under the spec hash: a
    /// moved tag changes it like a template change.
    public func render(account: Account, namespace: String, instance: String, memoryOverride: String? = nil,
                       pins: ImagePins? = nil) throws(RenderError) -> RenderedJob {
        let (name, suffix) = JobNaming.name(prefix: prefix, accountID: account.id, maxLength: kind.maxNameLength)
        let environment = try checked(account: account, memoryOverride: memoryOverride)

        var manifest = try root.render { (placeholder, line) throws(RenderError) -> String in
            switch placeholder {
            case .accountID: return account.id
            case .accountSlug: return suffix
            case .jobName: return name
            case .displayName: return account.displayName ?? ""
            case .namespace: return namespace
            case .config(let keys): return try Self.configText(account: account, keys: keys, placeholder: placeholder, line: line)
            }
        }

        let labels = [
            ManagedMetadata.managedByLabel: ManagedMetadata.managedByValue,
            ManagedMetadata.instanceLabel: instance,
            ManagedMetadata.accountLabel: suffix,
        ]
        var metadata = manifest["metadata"]?.objectValue ?? [:]
        metadata["name"] = .string(name)
        metadata["namespace"] = .string(namespace)
        metadata["labels"] = .object(Self.merging(labels, into: metadata["labels"]))
        metadata["annotations"] = .object(Self.merging([ManagedMetadata.accountIDAnnotation: account.id], into: metadata["annotations"]))
        manifest["metadata"] = .object(metadata)

        Self.update(&manifest, at: kind.podTemplatePath[...]) { podTemplate in
            var podTemplate = podTemplate.objectValue ?? [:]
            var podMetadata = podTemplate["metadata"]?.objectValue ?? [:]
            podMetadata["labels"] = .object(Self.merging(labels, into: podMetadata["labels"]))
            podTemplate["metadata"] = .object(podMetadata)
            var podSpec = podTemplate["spec"]?.objectValue ?? [:]
            for field in ["containers", "initContainers"] {
                guard case .array(let containers)? = podSpec[field] else { continue }
                podSpec[field] = .array(containers.map { container in
                    var container = container
                    container["env"] = .array(Self.environment(template: container["env"]?.arrayValue ?? [], accountID: account.id, config: environment))
                    return container
                })
            }
            podTemplate["spec"] = .object(podSpec)
            return .object(podTemplate)
        }
        switch kind {
        case .job:
            break
        case .deployment:
            // Immutable once created: the managed labels, which never change for an account.
            Self.update(&manifest, at: ["spec", "selector"]) { _ in .object(["matchLabels": .object(labels.mapValues(JSONValue.string))]) }
        case .cronJob:
            // The Jobs the CronJob creates carry the labels and name their account.
            Self.update(&manifest, at: ["spec", "jobTemplate", "metadata"]) { jobMetadata in
                var jobMetadata = jobMetadata.objectValue ?? [:]
                jobMetadata["labels"] = .object(Self.merging(labels, into: jobMetadata["labels"]))
                jobMetadata["annotations"] = .object(Self.merging([ManagedMetadata.accountIDAnnotation: account.id], into: jobMetadata["annotations"]))
                return .object(jobMetadata)
            }
        }
        if let memoryOverride { manifest = MemoryQuantity.settingContainerMemory(memoryOverride, in: manifest) }
        var pinning: [ImagePinning.Result] = []
        var applied = ImagePins()
        if let pins {
            (manifest, pinning) = ImagePinning.pin(manifest, kind: kind) { pins.digest(for: $0.key) }
            var used: [String: String] = [:]
            for case .pinned(let reference, let digest) in pinning { used[reference.key] = digest }
            applied = ImagePins(used)
            if !applied.isEmpty { manifest["metadata"]?["annotations"]?[ManagedMetadata.imageDigestsAnnotation] = .string(applied.text) }
        }

        let specHash = SpecHash.of(manifest: manifest, generation: account.generation)
        manifest["metadata"]?["annotations"]?[ManagedMetadata.specHashAnnotation] = .string(specHash)
        var job = RenderedJob(accountID: account.id, name: name, suffix: suffix, manifest: manifest, specHash: specHash, generation: account.generation)
        job.pins = applied
        job.pinning = pinning
        return job
    }

    /// Throws what `render` would throw for this account, without building the Job: its
    /// `config.env`, its memory override and every `{{ config.… }}` the template looks up (in
    /// line order, so the first problem reported is always the same one). The planner calls it
    /// before it plans a create, so a broken account is reported in the pass that finds it
    /// (`renderFailed`) instead of failing at the executor.
    public func check(account: Account, memoryOverride: String?) throws(RenderError) {
        _ = try checked(account: account, memoryOverride: memoryOverride)
    }

    /// `check`, returning the account's `config.env` for `render`.
    private func checked(account: Account, memoryOverride: String?) throws(RenderError) -> [String: String] {
        let environment = try account.configEnvironment()
        if let memoryOverride, MemoryQuantity(memoryOverride) == nil {
            throw RenderError(accountID: account.id, problem: "memory override \(JSONText.quote(memoryOverride)) is not a Kubernetes memory quantity such as 512Mi or 2Gi; clear account_status.memory_override")
        }
        for lookup in configLookups {
            _ = try Self.configText(account: account, keys: lookup.keys, placeholder: .config(lookup.keys), line: lookup.line)
        }
        return environment
    }

    /// A `{{ config.a.b }}` value as text. Strings as they are, numbers and booleans as JSON
    /// writes them; a missing key, null, object or list is this account's error.
    static func configText(account: Account, keys: [String], placeholder: Placeholder, line: Int) throws(RenderError) -> String {
        var value = account.config
        var path = "config"
        for key in keys {
            path += "." + key
            guard case .object(let object) = value, let next = object[key] else {
                throw RenderError(accountID: account.id, problem: "the template's \(placeholder) (line \(line)) needs \(path), which this account's config does not have; add it to accounts.config or change the template")
            }
            value = next
        }
        switch value {
        case .string(let text): return text
        case .integer, .double, .bool: return value.canonicalJSON
        default:
            throw RenderError(accountID: account.id, problem: "the template's \(placeholder) (line \(line)) needs a string, number or boolean at \(path), but this account's config has \(value.kindName) there")
        }
    }

    /// Replaces the value at `path` (object keys; missing objects are created) by `transform` of it.
    static func update(_ value: inout JSONValue, at path: ArraySlice<String>, _ transform: (JSONValue) -> JSONValue) {
        guard let key = path.first else {
            value = transform(value)
            return
        }
        var object = value.objectValue ?? [:]
        var child = object[key] ?? .null
        update(&child, at: path.dropFirst(), transform)
        object[key] = child
        value = .object(object)
    }

    static func merging(_ ours: [String: String], into existing: JSONValue?) -> [String: JSONValue] {
        var out = existing?.objectValue ?? [:]
        for (key, value) in ours { out[key] = .string(value) }
        return out
    }

    static func environment(template: [JSONValue], accountID: String, config: [String: String]) -> [JSONValue] {
        // Account data in an env value: escaped so Kubernetes does not expand `$(VAR)` in it.
        func entry(_ name: String, _ value: String) -> JSONValue { .object(["name": .string(name), "value": .string(VariableExpansion.escape(value))]) }
        var out = [entry(ManagedMetadata.accountIDVariable, accountID)]
        var used: Set<String> = [ManagedMetadata.accountIDVariable]
        for item in template {
            guard let name = item["name"]?.stringValue else { out.append(item); continue }
            if name == ManagedMetadata.accountIDVariable { continue }
            if let value = config[name] {
                out.append(entry(name, value))
            } else {
                out.append(item)
            }
            used.insert(name)
        }
        for name in config.keys.sorted() where !used.contains(name) {
            out.append(entry(name, config[name]!))
        }
        return out
    }
}

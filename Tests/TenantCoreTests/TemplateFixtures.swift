import Common
@testable import TenantCore

enum TemplateFixtures {
    static let basic = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: tenant
          labels:
            team: billing
          annotations:
            note: "for {{ display_name }}"
        spec:
          backoffLimit: 0
          ttlSecondsAfterFinished: 86400
          template:
            spec:
              restartPolicy: Never
              initContainers:
                - name: init
                  image: busybox:1.36
                  env:
                    - name: REGION
                      value: template-region
              containers:
                - name: worker
                  image: "registry.example/worker:{{ config.image_tag }}"
                  args: ["--account={{ account_id }}", "--job={{ job_name }}", "--ns={{namespace}}", "--slug={{ account_slug }}"]
                  env:
                    - name: KEEP
                      value: kept
                    - name: ACCOUNT_ID
                      value: from-template
                    - name: REGION
                      value: template-region
                  resources:
                    limits:
                      memory: "{{ config.limits.memory }}"
                - name: sidecar
                  image: busybox:1.36
        """

    static func parse(_ yaml: String = basic) throws -> JobTemplate {
        try JobTemplate.parse(yaml: yaml, file: "template.yaml")
    }

    static let account = Account(
        id: "Acme Corp",
        isActive: true,
        displayName: "Acme Corporation",
        config: ["image_tag": "v2", "limits": ["memory": "512Mi"], "env": ["REGION": "eu-west", "TIER": "gold"]],
        generation: 3
    )

    /// The smallest template we accept, with `extra` lines appended under the container.
    static func minimal(containerLines extra: [String] = []) -> String {
        let lines = [
            "apiVersion: batch/v1",
            "kind: Job",
            "metadata:",
            "  name: tenant",
            "spec:",
            "  template:",
            "    spec:",
            "      restartPolicy: Never",
            "      containers:",
            "        - name: main",
            "          image: busybox",
        ] + extra.map { "          " + $0 }
        return lines.joined(separator: "\n")
    }
}

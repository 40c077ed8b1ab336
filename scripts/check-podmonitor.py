"""Checks the PodMonitor of deploy/overlays/monitoring against the part of the Prometheus
operator's PodMonitor CRD (monitoring.coreos.com/v1) that we use, strictly: kubernetes-validate
has no schema for it, and a misspelled field would silently scrape nothing. Usage:
    python3 scripts/check-podmonitor.py RENDERED.yaml
"""

import sys

import jsonschema
import yaml

LABELS = {"type": "object", "additionalProperties": {"type": "string"}}
SELECTOR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"matchLabels": LABELS, "matchExpressions": {"type": "array"}},
}
# monitoring.coreos.com/v1 Duration
DURATION = "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "PodMonitor"},
        "metadata": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "namespace"],
            "properties": {"name": {"type": "string"}, "namespace": {"type": "string"},
                           "labels": LABELS, "annotations": LABELS},
        },
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["selector", "podMetricsEndpoints"],
            "properties": {
                "selector": SELECTOR,
                "podMetricsEndpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["port"],
                        "properties": {
                            "port": {"type": "string", "minLength": 1},
                            "path": {"type": "string", "pattern": "^/"},
                            "interval": {"type": "string", "pattern": DURATION},
                            "scrapeTimeout": {"type": "string", "pattern": DURATION},
                        },
                    },
                },
            },
        },
    },
}


def main(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    monitors = [d for d in docs if d.get("kind") == "PodMonitor"]
    if len(monitors) != 1:
        sys.exit(f"check-podmonitor: {path}: expected one PodMonitor, found {len(monitors)}")
    monitor = monitors[0]
    try:
        jsonschema.validate(monitor, SCHEMA)
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        sys.exit(f"check-podmonitor: {path}: PodMonitor {where}: {e.message}")
    # It must select pods that exist in the same render and a port they name.
    selector = monitor["spec"]["selector"].get("matchLabels", {})
    ports = set()
    for d in docs:
        template = (d.get("spec") or {}).get("template") if d.get("kind") in ("Deployment", "StatefulSet") else None
        if not template:
            continue
        labels = template.get("metadata", {}).get("labels", {})
        if all(labels.get(k) == v for k, v in selector.items()):
            for c in template["spec"].get("containers", []):
                ports.update(p.get("name") for p in c.get("ports", []))
    for endpoint in monitor["spec"]["podMetricsEndpoints"]:
        if endpoint["port"] not in ports:
            sys.exit(f"check-podmonitor: {path}: the PodMonitor scrapes port {endpoint['port']!r}, "
                     f"but the pods it selects name only {sorted(p for p in ports if p)}")
    print("check-podmonitor: PodMonitor valid and selects a named port", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])

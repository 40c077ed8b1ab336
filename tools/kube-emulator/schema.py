"""Decodes request bodies against the official Kubernetes JSON schemas (shipped in the PyPI
package kubernetes-validate), the way the API server's Go decoder treats them:

- a value of the wrong JSON type -> 400 BadRequest (Go's "cannot unmarshal ...", naming the
  field as Go's decoder does: struct fields only, no list indices or map keys);
- a `[]byte` field (format "byte": Secret data, ConfigMap binaryData) that is not base64 as
  Go's StdEncoding reads it -> 400 (`illegal base64 data at input byte N`); valid ones come back
  re-encoded as the server writes them (padded, without line breaks);
- a badly formatted metav1.Time / metav1.MicroTime -> 400;
- an unknown field -> dropped and reported as a warning (or 400 with fieldValidation=Strict);
- a missing required field or a value outside an enum -> 422 Invalid causes;
- a metav1.Time comes back in UTC, whole seconds; a metav1.MicroTime in UTC, microseconds.

The schemas are walked directly (no generic validator) so errors carry Go-style field paths
like `spec.template.spec.containers[0].foo`. Definitions load once, lazily."""

import json
import os
import re
import threading

import gojson
from timeutil import canonical_micro_time, canonical_time

SCHEMA_VERSION = "v1.31.0-local-strict"

SCHEMA_FILES = {
    ("batch", "Job"): "job-batch-v1.json",
    ("batch", "CronJob"): "cronjob-batch-v1.json",
    ("apps", "Deployment"): "deployment-apps-v1.json",
    ("apps", "ReplicaSet"): "replicaset-apps-v1.json",
    ("autoscaling", "Scale"): "scale-autoscaling-v1.json",
    ("", "Event"): "event-v1.json",
    ("events.k8s.io", "Event"): "event-events-v1.json",
    ("coordination.k8s.io", "Lease"): "lease-coordination-v1.json",
    ("", "Pod"): "pod-v1.json",
    ("", "ConfigMap"): "configmap-v1.json",
    ("", "Secret"): "secret-v1.json",
    ("", "Namespace"): "namespace-v1.json",
    # Not served; checks the Roles given to the control API's POST /tokens.
    ("rbac.authorization.k8s.io", "Role"): "role-rbac-v1.json",
    ("rbac.authorization.k8s.io", "ClusterRole"): "clusterrole-rbac-v1.json",
}

TIME_REF = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
MICRO_TIME_REF = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"

# metav1.Time is parsed with Go's time.RFC3339 layout, which on input also accepts a fractional
# second; metav1.MicroTime uses "2006-01-02T15:04:05.000000Z07:00", i.e. exactly 6 digits.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_RFC3339_MICRO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$")


class DecodeResult:
    def __init__(self):
        self.type_errors = []      # messages -> 400
        self.unknown = []          # field paths
        self.invalid = []          # (path, reason, message) -> 422


def _schema_dir():
    import kubernetes_validate  # the package only ships data we read
    return os.path.join(os.path.dirname(kubernetes_validate.__file__),
                        "kubernetes-json-schema", SCHEMA_VERSION)


class Schemas:
    """Loaded once per process; loading takes about 0.1 s."""
    _lock = threading.Lock()
    _defs = None
    _roots = {}

    @classmethod
    def root(cls, group, kind):
        with cls._lock:
            if cls._defs is None:
                d = _schema_dir()
                with open(os.path.join(d, "_definitions.json")) as f:
                    cls._defs = json.load(f)["$defs"]
                for key, fname in SCHEMA_FILES.items():
                    with open(os.path.join(d, fname)) as f:
                        cls._roots[key] = json.load(f)
            return cls._roots.get((group, kind))

    @classmethod
    def definition(cls, name):
        return cls._defs[name]


def json_type(v):
    """How Go's UnmarshalTypeError names the JSON value it got."""
    return _json_type(v)


def _json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _go_type(schema, ref):
    """The Go type a schema decodes into, as Go's UnmarshalTypeError prints it."""
    if ref:
        return "v1." + ref.rsplit(".", 1)[-1]
    types = schema.get("type")
    t = types[0] if isinstance(types, list) else types
    fmt = schema.get("format")
    if t == "string" and fmt == "byte":
        return "[]uint8"
    if t == "array" and isinstance(schema.get("items"), dict):
        item, item_ref = _resolve(schema["items"])
        return "[]" + _go_type(item, item_ref)
    if t == "object" and isinstance(schema.get("additionalProperties"), dict) and \
            schema.get("properties") is None:
        value, value_ref = _resolve(schema["additionalProperties"])
        return "map[string]" + _go_type(value, value_ref)
    return {"integer": fmt or "int64", "number": "float64", "boolean": "bool",
            "string": "string", "array": "[]" + "interface {}",
            "object": "map[string]interface {}"}.get(t, "interface {}")


def _join(path, key):
    return f"{path}.{key}" if path else key


def decode(group, kind, obj):
    """Walks obj against the official schema of (group, kind); removes unknown fields from obj
    and rewrites its timestamps in place. Returns a DecodeResult (empty lists when everything
    is fine)."""
    result = DecodeResult()
    root = Schemas.root(group, kind)
    if root is None:
        return result
    _walk(obj, root, "", kind, None, result, top=True, gopath="")
    return result


def resolve(schema):
    """A schema with its $ref followed (for callers walking a schema themselves)."""
    return _resolve(schema)[0] if schema else None


def property_schema(schema, key):
    """The schema of `key` in an object schema (None when unknown)."""
    schema = resolve(schema)
    if not schema:
        return None
    props = schema.get("properties")
    if props is not None and key in props:
        return props[key]
    addl = schema.get("additionalProperties")
    return addl if isinstance(addl, dict) else None


def _resolve(schema):
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return Schemas.definition(name), name
    return schema, None


def _walk(value, schema, path, struct, ref, result, top=False, gopath=None):
    """`path` names the field for unknown-field warnings and 422 causes
    (`spec.containers[0].foo`, `data[key]` style); `gopath` is what Go's decoder calls it in a
    type error: the struct fields only (`spec.containers.image`, `data`)."""
    if gopath is None:
        gopath = path
    schema, new_ref = _resolve(schema)
    if new_ref:
        ref = new_ref
    if value is None:
        return value
    if ref == TIME_REF or ref == MICRO_TIME_REF:
        micro = ref == MICRO_TIME_REF
        if not isinstance(value, str):
            result.type_errors.append(
                f"json: cannot unmarshal {_json_type(value)} into Go struct field {struct}.{gopath} "
                f"of type string")
        elif not (_RFC3339_MICRO if micro else _RFC3339).match(value):
            layout = "2006-01-02T15:04:05.000000Z07:00" if micro else "2006-01-02T15:04:05Z07:00"
            result.type_errors.append(f'parsing time "{value}" as "{layout}": cannot parse '
                                      f'"{value}" as "{layout}"')
        else:
            return canonical_micro_time(value) if micro else canonical_time(value)
        return value
    if "oneOf" in schema:  # IntOrString, Quantity: a string or a number
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            result.type_errors.append(
                f"json: cannot unmarshal {_json_type(value)} into Go struct field {struct}.{gopath} "
                f"of type {'intstr.IntOrString' if 'intstr' in (ref or '') else 'resource.Quantity'}")
        return value
    types = schema.get("type")
    t = types[0] if isinstance(types, list) else types
    ok = True
    if t == "string":
        ok = isinstance(value, str)
        if ok and schema.get("format") == "byte":
            # encoding/json decodes a []byte with base64.StdEncoding; the error is Go's own,
            # without the field (`illegal base64 data at input byte 4`).
            try:
                return gojson.canonical_b64(value)
            except gojson.Base64Error as e:
                result.type_errors.append(str(e))
                return value
    elif t == "integer":
        ok = type(value) is int
    elif t == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif t == "boolean":
        ok = isinstance(value, bool)
    elif t == "array":
        ok = isinstance(value, list)
    elif t == "object":
        ok = isinstance(value, dict)
    if not ok:
        result.type_errors.append(
            f"json: cannot unmarshal {_json_type(value)} into Go struct field {struct}.{gopath} of "
            f"type {_go_type(schema, new_ref)}")
        return value
    enum = schema.get("enum")
    if enum and not top and path not in ("apiVersion", "kind") and value not in enum:
        supported = ", ".join(f'"{e}"' for e in enum)
        result.invalid.append((path, "FieldValueNotSupported",
                               f'Unsupported value: "{value}": supported values: {supported}'))
    if t == "array":
        items = schema.get("items")
        if items:
            for i, item in enumerate(value):
                value[i] = _walk(item, items, f"{path}[{i}]", struct, None, result,
                                 gopath=gopath)
        return value
    if t != "object":
        return value
    props = schema.get("properties")
    addl = schema.get("additionalProperties")
    child_struct = ref.rsplit(".", 1)[-1] if ref else struct
    if props is not None:
        for req in schema.get("required", ()):
            if value.get(req) is None:
                result.invalid.append((_join(path, req), "FieldValueRequired", "Required value"))
        for key in list(value):
            sub = props.get(key)
            if sub is not None:
                value[key] = _walk(value[key], sub, _join(path, key), child_struct, None, result,
                                   gopath=_join(gopath, key))
            elif addl is False:
                result.unknown.append(_join(path, key))
                del value[key]
            elif isinstance(addl, dict):
                value[key] = _walk(value[key], addl, _join(path, key), child_struct, None, result,
                                   gopath=gopath)
    elif isinstance(addl, dict):
        # A map: Go names the map field, not the key, and the enclosing struct.
        for key in value:
            value[key] = _walk(value[key], addl, _join(path, key), struct, None, result,
                               gopath=gopath)
    return value

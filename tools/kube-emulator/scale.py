"""The scale subresource of Deployments and ReplicaSets: the object seen as an autoscaling/v1
Scale, and a Scale written back as a change of spec.replicas (ValidateScale first)."""

import copy

import govalue
import resources as R
from status import invalid


def selector_string(selector):
    """metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key."""
    reqs = []
    for k, v in (selector.get("matchLabels") or {}).items():
        reqs.append((k, f"{k}={v}"))
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key", ""), e.get("operator"), sorted(e.get("values") or [])
        text = {"In": f"{key} in ({','.join(values)})", "NotIn": f"{key} notin ({','.join(values)})",
                "Exists": key, "DoesNotExist": f"!{key}"}.get(op, key)
        reqs.append((key, text))
    return ",".join(text for _, text in sorted(reqs))


def scale_of(obj):
    meta = obj["metadata"]
    spec = {}
    if obj["spec"].get("replicas"):
        spec["replicas"] = obj["spec"]["replicas"]
    status = {"replicas": (obj.get("status") or {}).get("replicas") or 0}
    selector = selector_string(obj["spec"].get("selector") or {})
    if selector:
        status["selector"] = selector
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                              "creationTimestamp") if k in meta},
            "spec": spec, "status": status}


def with_scale(obj, scale, name):
    """The object with the Scale's spec.replicas (a missing one is 0); raises 422."""
    replicas = (scale.get("spec") or {}).get("replicas") or 0
    if replicas < 0:
        raise invalid(R.SCALE, name, [("spec.replicas", "FieldValueInvalid",
                                       f"Invalid value: {govalue.scalar(replicas)}: must be "
                                       "greater than or equal to 0")])
    new = copy.deepcopy(obj)
    new["spec"]["replicas"] = replicas
    return new

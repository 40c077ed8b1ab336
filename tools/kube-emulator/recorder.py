"""Events about objects, written the way a controller's event recorder writes them: a core v1
Event named <object>.<hex nanoseconds>, source and reportingComponent the controller, count 1."""

import time
import uuid

import events
import resources as R
from timeutil import now_rfc3339


def record(store, obj, component, type_, reason, message):
    """Stores an Event about obj (a stored object, with apiVersion and kind). Call under the
    store lock."""
    meta = obj["metadata"]
    ns = meta.get("namespace")
    now = now_rfc3339()
    stamp = time.time_ns()
    while store.get(R.EVENTS.key, ns, f"{meta['name']}.{stamp:x}") is not None:
        stamp += 1
    ev = {"metadata": {"name": f"{meta['name']}.{stamp:x}", "namespace": ns,
                       "uid": str(uuid.uuid4()), "creationTimestamp": now},
          "involvedObject": {"kind": obj["kind"], "namespace": ns, "name": meta["name"],
                             "uid": meta["uid"], "apiVersion": obj["apiVersion"],
                             "resourceVersion": meta.get("resourceVersion", "")},
          "reason": reason, "message": message, "source": {"component": component},
          "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": type_,
          "reportingComponent": component, "reportingInstance": ""}
    store.put(R.EVENTS.key, events.canonical_core(ev))

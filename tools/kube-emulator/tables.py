"""`Table` responses (what kubectl asks for with `Accept: ...;as=Table;g=meta.k8s.io`), with the
columns kubectl shows for the kinds we serve."""

import resources as R
from clock import CLOCK
from timeutil import parse_rfc3339


def _age(ts, now=None):
    if not ts:
        return "<unknown>"
    secs = int((now or CLOCK.now()) - parse_rfc3339(ts))
    if secs < 120:
        return f"{max(secs, 0)}s"
    if secs < 3600 * 2:
        return f"{secs // 60}m"
    if secs < 86400 * 2:
        return f"{secs // 3600}h"
    return f"{secs // 86400}d"


def _job_status(job):
    for c in (job.get("status") or {}).get("conditions") or []:
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return c["type"]
    if job["metadata"].get("deletionTimestamp"):
        return "Terminating"
    if (job.get("spec") or {}).get("suspend"):
        return "Suspended"
    return "Running"


def _columns(res):
    """(name, type) of the columns kubectl shows for the kind."""
    if res is R.JOBS:
        names = ["Name", "Status", "Completions", "Duration", "Age"]
    elif res is R.PODS:
        return [("Name", "string"), ("Ready", "string"), ("Status", "string"),
                ("Restarts", "integer"), ("Age", "string")]
    elif res is R.LEASES:
        names = ["Name", "Holder", "Age"]
    elif res is R.NAMESPACES:
        names = ["Name", "Status", "Age"]
    elif res is R.SECRETS:
        names = ["Name", "Type", "Data", "Age"]  # Data is typed "string", holds an integer
    elif res is R.DEPLOYMENTS:
        return [("Name", "string"), ("Ready", "string"), ("Up-to-date", "integer"),
                ("Available", "integer"), ("Age", "string")]
    elif res is R.REPLICASETS:
        return [("Name", "string"), ("Desired", "integer"), ("Current", "integer"),
                ("Ready", "integer"), ("Age", "string")]
    elif res is R.CRONJOBS:
        return [("Name", "string"), ("Schedule", "string"), ("Timezone", "string"),
                ("Suspend", "boolean"), ("Active", "integer"), ("Last Schedule", "string"),
                ("Age", "string")]
    else:
        names = ["Name", "Age"]
    return [(n, "string") for n in names]


def _pod_status(obj):
    """The STATUS column of a pod as the server's printer computes it: the pod's reason or
    phase, overridden by a container's waiting or terminated reason."""
    st = obj.get("status") or {}
    reason = st.get("reason") or st.get("phase", "Pending")
    running = False
    for cs in reversed(st.get("containerStatuses") or []):
        state = cs.get("state") or {}
        waiting, terminated = state.get("waiting") or {}, state.get("terminated")
        if waiting.get("reason"):
            reason = waiting["reason"]
        elif terminated is not None and terminated.get("reason"):
            reason = terminated["reason"]
        elif terminated is not None:
            reason = f"ExitCode:{terminated.get('exitCode', 0)}"
        elif cs.get("ready") and state.get("running") is not None:
            running = True
    if reason == "Completed" and running:
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in st.get("conditions") or [])
        reason = "Running" if ready else "NotReady"
    if obj["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return reason


def _cells(res, obj):
    meta = obj["metadata"]
    age = _age(meta.get("creationTimestamp"))
    st = obj.get("status") or {}
    spec = obj.get("spec") or {}
    if res is R.JOBS:
        start, end = st.get("startTime"), st.get("completionTime")
        duration = _age(start, parse_rfc3339(end) if end else None) if start else ""
        return [meta["name"], _job_status(obj),
                f"{st.get('succeeded', 0)}/{spec.get('completions', 1)}", duration, age]
    if res is R.PODS:
        cs = st.get("containerStatuses") or []
        ready = sum(1 for c in cs if c.get("ready"))
        total = len(spec.get("containers") or [])
        return [meta["name"], f"{ready}/{total}", _pod_status(obj),
                sum(c.get("restartCount", 0) for c in cs), age]
    if res is R.LEASES:
        return [meta["name"], spec.get("holderIdentity", ""), age]
    if res is R.NAMESPACES:
        return [meta["name"], st.get("phase", "Active"), age]
    if res is R.SECRETS:
        return [meta["name"], obj.get("type", ""), len(obj.get("data") or {}), age]
    if res is R.DEPLOYMENTS:
        return [meta["name"], f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
                st.get("updatedReplicas", 0), st.get("availableReplicas", 0), age]
    if res is R.REPLICASETS:
        return [meta["name"], spec.get("replicas", 1), st.get("replicas", 0),
                st.get("readyReplicas", 0), age]
    if res is R.CRONJOBS:
        last = st.get("lastScheduleTime")
        return [meta["name"], spec.get("schedule", ""), spec.get("timeZone") or "<none>",
                # printBoolPtr: the printer writes a string, though the column says boolean
                "True" if spec.get("suspend") else "False", len(st.get("active") or []),
                _age(last) if last else "<none>", age]
    return [meta["name"], age]


def table(res, objs, rv, include_object="Metadata", with_columns=True, cont=None):
    defs = [{"name": c, "type": t, "format": "name" if c == "Name" else "", "description": c,
             "priority": 0} for c, t in _columns(res)]
    rows = []
    for obj in objs:
        row = {"cells": _cells(res, obj)}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": obj["metadata"]}
        rows.append(row)
    meta = {"resourceVersion": str(rv)}
    if cont:
        meta["continue"] = cont
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
            "columnDefinitions": defs if with_columns else [], "rows": rows}

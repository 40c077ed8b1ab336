"""`Table` responses (what kubectl asks for with `Accept: ...;as=Table;g=meta.k8s.io`), with the
columns kubectl shows for the kinds we serve."""

import time

import resources as R
from timeutil import parse_rfc3339


def _age(ts, now=None):
    if not ts:
        return "<unknown>"
    secs = int((now or time.time()) - parse_rfc3339(ts))
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
    if res is R.JOBS:
        return ["Name", "Status", "Completions", "Duration", "Age"]
    if res is R.PODS:
        return ["Name", "Ready", "Status", "Restarts", "Age"]
    if res is R.LEASES:
        return ["Name", "Holder", "Age"]
    if res is R.NAMESPACES:
        return ["Name", "Status", "Age"]
    return ["Name", "Age"]


def _cells(res, obj):
    meta = obj["metadata"]
    age = _age(meta.get("creationTimestamp"))
    st = obj.get("status") or {}
    if res is R.JOBS:
        spec = obj.get("spec") or {}
        start, end = st.get("startTime"), st.get("completionTime")
        duration = _age(start, parse_rfc3339(end) if end else None) if start else ""
        return [meta["name"], _job_status(obj),
                f"{st.get('succeeded', 0)}/{spec.get('completions', 1)}", duration, age]
    if res is R.PODS:
        cs = st.get("containerStatuses") or []
        ready = sum(1 for c in cs if c.get("ready"))
        total = len((obj.get("spec") or {}).get("containers") or [])
        status = st.get("reason") or st.get("phase", "Pending")
        if meta.get("deletionTimestamp"):
            status = "Terminating"
        return [meta["name"], f"{ready}/{total}", status,
                sum(c.get("restartCount", 0) for c in cs), age]
    if res is R.LEASES:
        return [meta["name"], (obj.get("spec") or {}).get("holderIdentity", ""), age]
    if res is R.NAMESPACES:
        return [meta["name"], st.get("phase", "Active"), age]
    return [meta["name"], age]


def table(res, objs, rv, include_object="Metadata", with_columns=True, cont=None):
    cols = _columns(res)
    defs = [{"name": c, "type": "integer" if c == "Restarts" else "string",
             "format": "name" if c == "Name" else "", "description": c, "priority": 0}
            for c in cols]
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

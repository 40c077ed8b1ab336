"""Events are stored once and served two ways, like the real server (one etcd prefix, two
REST endpoints): stored as the core `v1` Event, shown through `events.k8s.io/v1` converted
the way pkg/apis/events/v1 converts:

    events.k8s.io/v1            core v1
    regarding                   involvedObject
    note                        message
    reportingController         reportingComponent
    deprecatedSource            source
    deprecatedFirstTimestamp    firstTimestamp
    deprecatedLastTimestamp     lastTimestamp
    deprecatedCount             count
    (same name)                 metadata, eventTime, series, action, reason, related, type,
                                reportingInstance

Both forms are written the way Go's encoding/json writes the structs: struct-typed fields
without omitempty effect (`involvedObject`/`regarding`, `source`/`deprecatedSource`, the
timestamps, `eventTime`) are always there (`{}` or null), `reportingComponent` and
`reportingInstance` of the core form even when empty; the rest only when set."""

import resources as R

# (events.k8s.io/v1 name, core v1 name) of the fields that are renamed.
RENAMED = (("regarding", "involvedObject"), ("note", "message"),
           ("reportingController", "reportingComponent"), ("deprecatedSource", "source"),
           ("deprecatedFirstTimestamp", "firstTimestamp"),
           ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count"))
TO_CORE = dict(RENAMED)
TO_V1 = {core: v1 for v1, core in RENAMED}

CORE_ORDER = ("metadata", "involvedObject", "reason", "message", "source", "firstTimestamp",
              "lastTimestamp", "count", "type", "eventTime", "series", "action", "related",
              "reportingComponent", "reportingInstance")
V1_ORDER = ("metadata", "eventTime", "series", "reportingController", "reportingInstance",
            "action", "reason", "regarding", "related", "note", "type", "deprecatedSource",
            "deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount")
CORE_ALWAYS = {"involvedObject": {}, "source": {}, "firstTimestamp": None, "lastTimestamp": None,
               "eventTime": None, "reportingComponent": "", "reportingInstance": ""}
V1_ALWAYS = {"regarding": {}, "deprecatedSource": {}, "deprecatedFirstTimestamp": None,
             "deprecatedLastTimestamp": None, "eventTime": None}


def _empty(v):
    return v is None or v == "" or v == 0 or v == {} or v == []


def _shape(obj, api_version, order, always):
    out = {"kind": "Event", "apiVersion": api_version}
    for key in order:
        v = obj.get(key)
        if key in always:
            out[key] = always[key] if v is None else v
        elif not _empty(v):
            out[key] = v
    return out


def canonical_core(ev):
    """A core v1 Event in the stored (and served) form."""
    return _shape(ev, "v1", CORE_ORDER, CORE_ALWAYS)


def core_from_v1(ev):
    """An events.k8s.io/v1 Event as the stored core v1 Event."""
    return canonical_core({TO_CORE.get(k, k): v for k, v in ev.items()})


def v1_from_core(ev):
    """A stored core v1 Event as events.k8s.io/v1 shows it."""
    return _shape({TO_V1.get(k, k): v for k, v in ev.items()}, "events.k8s.io/v1", V1_ORDER,
                  V1_ALWAYS)


def to_storage(res, obj):
    """What a body sent to `res` is stored as."""
    if res is R.EVENTS_V1:
        return core_from_v1(obj)
    if res is R.EVENTS:
        return canonical_core(obj)
    return obj


def view(res, stored):
    """How `res` shows a stored object."""
    if res is R.EVENTS_V1:
        return v1_from_core(stored)
    return stored

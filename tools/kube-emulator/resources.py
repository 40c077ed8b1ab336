"""The resources the emulator serves, and their discovery documents."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple = ()
    subresources: tuple = ()
    categories: tuple = ()
    # Name rule used by create: "label" (DNS-1123 label, 63) or "subdomain" (253).
    name_rule: str = "subdomain"
    # Whether create/update/patch bodies are checked against the official JSON schema.
    schema_checked: bool = False
    # Field selectors the real server accepts besides metadata.name / metadata.namespace.
    extra_fields: tuple = ()
    verbs: tuple = ("create", "delete", "get", "list", "patch", "update", "watch")
    # The strategy's AllowUnconditionalUpdate: a PUT without metadata.resourceVersion is
    # accepted (and applied to the latest version). Leases say no.
    unconditional_update: bool = True
    # DefaultGarbageCollectionPolicy: what a DELETE without propagationPolicy does.
    default_gc_policy: str = "Background"
    # The (group, plural) whose storage this resource shares, shown converted (events.py):
    # events.k8s.io/v1 events are the core v1 events.
    stored_as: tuple = None

    @property
    def group_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self):
        """The storage key: objects of resources with the same key are the same objects."""
        return self.stored_as or (self.group, self.plural)

    @property
    def qualified(self):
        """What error messages call the resource: "jobs.batch", "pods"."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


JOBS = Resource("batch", "v1", "jobs", "job", "Job", True, (), ("status",), ("all",),
                name_rule="label", schema_checked=True, extra_fields=("status.successful",),
                default_gc_policy="Orphan")
PODS = Resource("", "v1", "pods", "pod", "Pod", True, ("po",), ("status", "log"), ("all",),
                extra_fields=("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                              "spec.serviceAccountName", "status.phase", "status.podIP",
                              "status.nominatedNodeName"))
EVENTS = Resource("", "v1", "events", "event", "Event", True, ("ev",), schema_checked=True,
                  extra_fields=("involvedObject.kind", "involvedObject.namespace",
                                "involvedObject.name", "involvedObject.uid",
                                "involvedObject.apiVersion", "involvedObject.resourceVersion",
                                "involvedObject.fieldPath", "reason", "reportingComponent",
                                "source", "type"))
EVENTS_V1 = Resource("events.k8s.io", "v1", "events", "event", "Event", True, ("ev",),
                     schema_checked=True, stored_as=("", "events"),
                     extra_fields=("regarding.kind", "regarding.namespace", "regarding.name",
                                   "regarding.uid", "reason", "type"))
LEASES = Resource("coordination.k8s.io", "v1", "leases", "lease", "Lease", True,
                  schema_checked=True, unconditional_update=False)
CONFIGMAPS = Resource("", "v1", "configmaps", "configmap", "ConfigMap", True, ("cm",), schema_checked=True)
# No short name and no category (`kubectl get all` leaves Secrets out), as on the real server;
# the field selector `type` as the Secret strategy's SelectableFields.
SECRETS = Resource("", "v1", "secrets", "secret", "Secret", True, schema_checked=True,
                   extra_fields=("type",))
NAMESPACES = Resource("", "v1", "namespaces", "namespace", "Namespace", False, ("ns",),
                      ("status",), name_rule="label", extra_fields=("status.phase",))
# apps/v1 and batch/v1 CronJobs delete their dependents by default (DeleteDependents).
DEPLOYMENTS = Resource("apps", "v1", "deployments", "deployment", "Deployment", True,
                       ("deploy",), ("status", "scale"), ("all",), schema_checked=True)
REPLICASETS = Resource("apps", "v1", "replicasets", "replicaset", "ReplicaSet", True, ("rs",),
                       ("status", "scale"), ("all",), schema_checked=True)
CRONJOBS = Resource("batch", "v1", "cronjobs", "cronjob", "CronJob", True, ("cj",),
                    ("status",), ("all",), schema_checked=True)

# The autoscaling/v1 Scale that deployments/scale and replicasets/scale read and write (not a
# resource of its own here: only the decoding and the 422s name it).
SCALE = Resource("autoscaling", "v1", "scale", "scale", "Scale", True, schema_checked=True)

ALL = (JOBS, PODS, EVENTS, EVENTS_V1, LEASES, CONFIGMAPS, SECRETS, NAMESPACES, DEPLOYMENTS,
       REPLICASETS, CRONJOBS)

BY_GVR = {(r.group, r.version, r.plural): r for r in ALL}


def storage(res):
    """The resource whose form an object of `res` is stored in (itself, or the core v1
    Event for events.k8s.io/v1)."""
    if res.stored_as is None:
        return res
    return next(r for r in ALL if r.stored_as is None and r.key == res.stored_as)


def by_key(key):
    """The resource an object stored under `key` is kept as."""
    return next(r for r in ALL if r.stored_as is None and r.key == key)


def lookup(group, version, plural):
    return BY_GVR.get((group, version, plural))


def groups():
    """Group name -> version, for the named groups (not the core group), in discovery order."""
    out = {}
    for r in ALL:
        if r.group:
            out[r.group] = r.version
    return out


def resource_list(group, version):
    """The APIResourceList document of one group/version, or None if it is not served."""
    items = []
    for r in ALL:
        if r.group != group or r.version != version:
            continue
        entry = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                 "kind": r.kind, "verbs": list(r.verbs)}
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.categories:
            entry["categories"] = list(r.categories)
        items.append(entry)
        for sub in r.subresources:
            verbs = ["get"] if sub == "log" else ["get", "patch", "update"]
            entry = {"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": r.namespaced,
                     "kind": r.kind, "verbs": verbs}
            if sub == "scale":  # served as autoscaling/v1 Scale
                entry.update(group="autoscaling", version="v1", kind="Scale")
            items.append(entry)
    if not items:
        return None
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": items}


def api_versions():
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": "127.0.0.1:443"}]}


def api_group(name, version):
    gv = {"groupVersion": f"{name}/{version}", "version": version}
    return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": [gv],
            "preferredVersion": gv}


def api_group_list():
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [api_group(name, version) for name, version in groups().items()]}
